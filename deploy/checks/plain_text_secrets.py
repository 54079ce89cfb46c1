"""Checkov checks of our own (loaded with `--external-checks-dir deploy/checks`):
a setting that is a secret never has its value written in a manifest.

checkov's secrets scan finds keys that look like keys (high entropy, known
formats); these find them by name, whatever the value looks like, in a
container's `env` and in a ConfigMap.
"""
import re

from checkov.common.models.enums import CheckCategories, CheckResult
from checkov.kubernetes.checks.resource.base_container_check import BaseK8sContainerCheck
from checkov.kubernetes.checks.resource.base_spec_check import BaseK8Check

SECRET_NAME = re.compile(r"(KEY|TOKEN|PASSWORD|PASSWD|SECRET|CREDENTIALS?|DATABASE_URL|ACCOUNT_SID)$", re.IGNORECASE)


class SecretSettingsFromSecrets(BaseK8sContainerCheck):
    def __init__(self) -> None:
        super().__init__(name="Secret settings come from a Kubernetes Secret, never a value in the manifest",
                         id="CKV_FAMILYHUB_1")

    def scan_container_conf(self, metadata, conf) -> CheckResult:
        self.evaluated_container_keys = ["env"]
        for item in conf.get("env") or []:
            if isinstance(item, dict) and SECRET_NAME.search(str(item.get("name", ""))) and "value" in item:
                return CheckResult.FAILED
        return CheckResult.PASSED


class NoSecretsInConfigMaps(BaseK8Check):
    def __init__(self) -> None:
        super().__init__(name="A ConfigMap holds no secret setting", id="CKV_FAMILYHUB_2",
                         categories=[CheckCategories.SECRETS], supported_entities=["ConfigMap"])

    def scan_spec_conf(self, conf) -> CheckResult:
        data = conf.get("data") or {}
        if any(SECRET_NAME.search(str(name)) for name in data):
            return CheckResult.FAILED
        return CheckResult.PASSED


check_env = SecretSettingsFromSecrets()
check_config = NoSecretsInConfigMaps()
