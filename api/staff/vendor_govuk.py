"""Copy the compiled GOV.UK Frontend files the staff pages use into static/govuk/.

    cd /tmp && npm pack govuk-frontend@5 && tar xzf govuk-frontend-*.tgz
    python -m api.staff.vendor_govuk /tmp/package

The GDS Transport typeface and the crown are only for services on GOV.UK,
and these pages are a council's, so the fonts are not copied: the
@font-face rules are dropped and text falls back to Arial, as the GOV.UK
Frontend guidance asks of services outside GOV.UK. Source maps are left out
to keep the copy small.
"""

import json
import re
import sys
from pathlib import Path

TARGET = Path(__file__).resolve().parent / "static" / "govuk"
MIT_NOTICE = """GOV.UK Frontend {version}, copied from the npm package govuk-frontend.

The MIT License (MIT)

Copyright (c) 2018 Crown Copyright (Government Digital Service)

Permission is hereby granted, free of charge, to any person obtaining a copy of
this software and associated documentation files (the "Software"), to deal in
the Software without restriction, including without limitation the rights to
use, copy, modify, merge, publish, distribute, sublicense, and/or sell copies of
the Software, and to permit persons to whom the Software is furnished to do so,
subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY, FITNESS
FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE AUTHORS OR
COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER LIABILITY, WHETHER
IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM, OUT OF OR IN
CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE SOFTWARE.
"""


def strip_source_map(text: str) -> str:
    return re.sub(r"/[*/]# sourceMappingURL=[^\n*]*(\*/)?", "", text)


def vendor(package: Path) -> None:
    version = json.loads((package / "package.json").read_text())["version"]
    dist = package / "dist" / "govuk"
    TARGET.mkdir(parents=True, exist_ok=True)
    css = (dist / "govuk-frontend.min.css").read_text(encoding="utf-8")
    css = re.sub(r"@font-face\{font-family:GDS Transport;[^}]*\}", "", css)
    css = css.replace("font-family:GDS Transport,", "font-family:").replace("font-family:GDS Transport", "font-family:arial,sans-serif")
    (TARGET / "govuk-frontend.min.css").write_text(strip_source_map(css), encoding="utf-8")
    js = (dist / "govuk-frontend.min.js").read_text(encoding="utf-8")
    (TARGET / "govuk-frontend.min.js").write_text(strip_source_map(js), encoding="utf-8")
    (TARGET / "LICENSE").write_text(MIT_NOTICE.format(version=version), encoding="utf-8")
    print(f"copied GOV.UK Frontend {version} into {TARGET}")


if __name__ == "__main__":
    vendor(Path(sys.argv[1]))
