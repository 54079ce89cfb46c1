"""The crisis check: risky messages get the right kind, figures of speech get nothing.

    .venvs/rasa/bin/pytest tests/bot/test_risk.py -q

Its speed on long and unlucky messages: tests/bot/test_risk_linear_time.py.
"""
import pytest

from bot import risk

RULES = risk.load_rules()

MEDICAL = [
    "my baby isnt breathing",
    "HELP my baby's not breathing!!!",
    "baby stopped breathin what do i do",
    "my son cant breath properly and his lips r going blue",
    "she\u2019s gone all floppy and wont wake up",
    "my 6 month old is really floppy n sleepy",
    "toddler swallowed a button battery from the remote",
    "my 2yr old drank some bleach from under the sink",
    "he got into the washing tablets and ate one",
    "my daughter found my tablets and ate some",
    "baby choking on a grape help",
    "what do i do if my baby is choking",
    "my son is having a fit and wont stop shaking",
    "baby's fitting, her eyes r rolling",
    "husband collapsed in the kitchen",
    "shes unconcious on the floor",
    "cant wake him up hes breathing funny",
    "bleeding really heavily since the birth is that normal",
    "he cut his hand n theres blood everywhere",
    "face and lips swelling after eating peanuts",
    "what time r u open tmrw also my baby has gone blue",
    "i gave him too much calpol by mistake",
    # JUDGEMENT (priority): an overdose already taken needs an ambulance first.
    "took a whole packet of my antidepressants i want to die",
    "i took 30 paracetamol",
    # priority: medical before child_harm
    "i shook the baby and now hes floppy",
    "do i need to call an ambulance he hit his head and passed out",
    "ring 999?? she's not responding",
    "pls help shes not breathing properly",
    "found my daughter with a belt round her neck",
    # JUDGEMENT: an attempt with a ligature needs an ambulance first
    "my son tried to hang himself",
    "baby fell off the bed and wont wake",
]

CHILD_HARM = [
    # priority: the child before the adult ("hit" is also violence)
    "my partner hit the baby",
    "he punched my son in the face last night",
    "my ex beats the kids when they stay at his",
    "my daughter told me her stepdad touched her",
    "my son says his dad hits him with a belt",
    "i think my neighbour is hurting her kids i hear screaming",
    "my 14 year old is being groomed online",
    "i smacked my son so hard he has a bruise",
    "hubby shook our lo to make him stop crying",
    "i lost it and hit my daughter, i feel awful",
    "I hit my daughter",
    "he choked my daughter but shes fine now",
    "my bf hurts my little girl when im at work",
    "he said he would hurt the baby",
    "im 15 and my mum hits me",
]

VIOLENCE = [
    "what time r u open tmrw also he hit me last night im scared",
    "my partner punches me when hes drunk",
    "he said hell kill me if i leave",
    "he said he'll kill me if I leave",
    "my ex keeps threatening me and the kids",
    "im in an abusive relationship and dont know what to do",
    "he strangled me last night",
    "hes trying to break in",
    "he wont let me leave the house",
    "scared of my husband, he gets violent when he drinks",
    "my boyfriend slapped me n took my phone",
    "he raped me",
    "someone with a knife is outside the flat",
    "hes got a knife and says hes going to kill us",
    "my ex said he would burn the house down with us in it",
    "he pushed me down the stairs",
    # JUDGEMENT (priority): danger from someone else comes before self-harm.
    "he hit me and i want to die",
    # "999" counts only when nothing else matched
    "i had to ring 999 on him after he hit me",
    "my husband will kill me if i tell anyone",
    "my teenage son hits me",
    "im scared for my life",
    "he choked me last night but im fine now",
    # someone else's knife, even "in his hand", is still violence
    "he has got a knife in his hand",
]

PARENT_FEAR = [
    "im scared ill hurt my baby",
    "I'm scared I'll hurt my baby",
    "sometimes i feel like i could shake the baby when she screams",
    "the baby wont stop crying and im scared i will shake him",
    "i keep having thoughts of hurting my baby",
    "i feel like i could shake her",
    "i cant keep my kids safe",
    "i cant cope tonight with the baby i need someone to take them",
    "scared of what i might do to my son",
    "i keep thinking about hurting the baby",
    # priority: before self_harm, a child depends on this parent tonight
    "i want to die and im scared ill hurt the baby",
]

NOWHERE_SAFE = [
    "we have nowhere to sleep tonight",
    "been kicked out with the kids and got nowhere to go",
    "sleeping in the car with my baby tonight",
    "landlord changed the locks were on the street",
    "homeless tonight with 2 kids",
    "my partner kicked me and the kids out",
]

SELF_HARM = [
    "i want to die",
    "i cant go on anymore i want to end it all",
    "i feel suicidal",
    "been feeling sucidal again",
    "im gonna kms",
    "pleeeease help i wanna die",
    "everyone would be better off without me",
    "i dont want to be here anymore",
    "ive started self harming again",
    "i keep cutting myself",
    "thinking about ending my life tonight",
    "what time does the hub open. i just want to disappear forever",
    "no point living anymore",
    "i wish i was dead",
    "im going to take all my tablets tonight",
    "my daughter is self harming and i dont know what to do",
    "i wish i could go to sleep and never wake up",
    "i'm a burden to everyone",
    "ive got the pills in front of me",
    "i have the rope ready",
    "sat on the bridge",
    "knife in my hand and i want to end it",
    "I've got a knife in my hand and I want to end it",
    "my 15 year old says hes going to kill himself",
    "my teenager says she will unalive herself",
    # priority: self_harm before nowhere_safe
    "we have nowhere to sleep tonight and i want to die",
]

RISKY = (
    [(text, "medical") for text in MEDICAL]
    + [(text, "child_harm") for text in CHILD_HARM]
    + [(text, "violence") for text in VIOLENCE]
    + [(text, "self_harm") for text in SELF_HARM]
    + [(text, "parent_fear") for text in PARENT_FEAR]
    + [(text, "nowhere_safe") for text in NOWHERE_SAFE]
)

SAFE = [
    # figures of speech
    "I'm dying to know when you open",
    "the kids are killing me today lol",
    "this heat is killing me",
    "I could murder a coffee",
    "my toddler will be the death of me",
    "dying for a wee, is there a toilet at the hub",
    "laughed till I cried at stay and play",
    "my sister is killing it at work",
    "dead tired after night feeds",
    "my son is dead tired after swimming",
    "my phone died so i missed your text",
    "does my toddler need a knife and fork for lunch club",
    # JUDGEMENT: a giggle, not choking
    "the baby is choking on laughter when we play peekaboo",
    "i nearly died laughing at soft play",
    "killing time before stay and play",
    "i would kill for a lie in",
    "my mum will kill me if im late",
    "my mother in law is going to kill me when she sees his haircut",
    "i want to die of embarrassment, i fell over at baby group",
    "i want to die my hair pink for the party",
    "i get all choked up at the baby photos",
    "my mum is having a fit about the mess",
    "it just hit me how fast shes growing",
    "hit me up with the times for baby massage",
    "he pushed me to apply for the parenting course",
    "he is dead excited for nursery",
    "dont breathe a word but im planning a surprise for my partner",
    "ill have a stab at filling in the form",
    # ordinary hub questions with risky-looking words
    "baby breathing exercises class?",
    "my back hurts after the birth",
    "i hurt my back lifting the buggy",
    "does the hub do first aid for choking",
    "is there a baby first aid course on choking",
    "are grapes a choking hazard",
    "will the injection hurt my baby",
    "is teething hurting my baby",
    "car seat fitting session times?",
    "my husband is fitting the car seat today",
    "my son has epilepsy, is there a SEND group",
    "my nipples are bleeding when i feed, can someone help",
    "can i take paracetamol while breastfeeding",
    "i took 2 paracetamol for my headache is it ok to breastfeed",
    "my teenager will not wake up for school",
    "baby is not waking at night anymore yay",
    "is it ok to smack my child",
    "my toddler keeps hitting me when hes cross",
    "my son keeps hitting his little brother",
    "my 4 year old is scared of the dark and wont sleep",
    "the baby blues are real, any groups?",
    "blue badge parking at the hub?",
    "do you run suicide prevention training for parents",
    "my ex wont pay child maintenance",
    "what time r u open tmrw",
    "is there a dads group on saturday",
    "we are killing ourselves laughing at his new words",
    "i hurt my son's feelings, how do i say sorry",
    "she hurt me by not inviting me to the party",
    "my dog bit my son, is there a dog safety talk",
    "he cut the grapes with a knife like you said",
    "my son got hit by a ball at football",
    # near misses that are already over
    "my son choked on a grape earlier but hes fine now",
    "he was choking but it came out and hes fine",
    # housing worries, not tonight
    "we might be evicted next month",
    "worried about rent",
    "we will be homeless next month if the council doesnt help",
    "is there help for homeless families",
    "my baby only sleeps in the car",
    "my son got kicked out of school",
    "i cant cope with his tantrums any tips",
    "how do i keep my kids safe online",
    "i have his calpol ready for the morning",
    "we sat on the bridge feeding the ducks",
]


@pytest.mark.parametrize("text, kind", RISKY)
def test_a_risky_message_gets_the_right_kind(text, kind):
    found = risk.assess(text)
    assert found is not None, f"missed a {kind} crisis"
    assert found.kind == kind


@pytest.mark.parametrize("text", SAFE)
def test_an_everyday_message_is_not_a_crisis(text):
    assert risk.assess(text) is None


def test_there_are_enough_realistic_cases():
    assert len(RISKY) >= 60 and len(SAFE) >= 40
    assert {kind for _, kind in RISKY} == set(risk.KINDS)


RULE_EXAMPLES = [(rule.kind, rule.name, example) for rule in RULES.rules for example in rule.examples]
IDIOM_EXAMPLES = [(idiom.name, example) for idiom in RULES.idioms for example in idiom.examples]


@pytest.mark.parametrize("kind, name, example", RULE_EXAMPLES)
def test_every_example_in_the_rules_file_is_found_by_its_own_rule(kind, name, example):
    assert name in [found.phrase for found in RULES.matches(example)]
    assert risk.assess(example).kind == kind


@pytest.mark.parametrize("name, example", IDIOM_EXAMPLES)
def test_every_idiom_example_in_the_rules_file_is_not_a_crisis(name, example):
    assert risk.assess(example) is None


NEAR_MISSES = [(rule.name, text) for rule in RULES.rules for text in rule.near_misses]


@pytest.mark.parametrize("name, text", NEAR_MISSES)
def test_a_rules_near_misses_are_not_found_by_that_rule(name, text):
    assert name not in [found.phrase for found in RULES.matches(text)]


def test_an_unless_drops_only_the_match_it_shares_words_with():
    assert "choking" not in [found.phrase for found in RULES.matches("he choked me")]
    assert risk.assess("he choked me").kind == "violence"
    assert "choking" in [found.phrase for found in
                         RULES.matches("he choked me and now the baby is choking")]
    assert risk.assess("he choked me and now the baby is choking").kind == "medical"


def test_the_rules_file_loads_with_rules_for_every_kind():
    assert set(RULES.priority) == set(risk.KINDS)
    for kind in risk.KINDS:
        assert [rule for rule in RULES.rules if kind == rule.kind and not rule.fallback], kind
    assert all(rule.examples for rule in RULES.rules), "every rule needs an example"
    assert all(idiom.examples for idiom in RULES.idioms), "every idiom needs an example"


def test_priority_puts_an_emergency_first_then_the_child():
    assert RULES.priority == ("medical", "child_harm", "violence", "parent_fear", "self_harm",
                              "nowhere_safe")
    kinds = {found.kind for found in RULES.matches("he hit me and the baby")}
    assert kinds == {"child_harm", "violence"}
    assert risk.assess("he hit me and the baby").kind == "child_harm"
    kinds = {found.kind for found in RULES.matches("i shook the baby and now hes floppy")}
    assert kinds == {"medical", "child_harm"}
    assert risk.assess("i shook the baby and now hes floppy").kind == "medical"


def test_a_figure_of_speech_does_not_hide_a_real_threat_in_the_same_message():
    text = "the kids are killing me today and he said he will kill me"
    assert risk.assess(text).kind == "violence"


def test_the_phrase_names_a_rule_and_never_repeats_the_family_words():
    found = risk.assess("my baby isnt breathing")
    assert found.phrase in {rule.name for rule in RULES.rules}
    assert "baby" not in found.phrase


@pytest.mark.parametrize("text, clean", [
    ("Im gonna kms", "i am going to kill myself"),
    ("I\u2019ll hurt my baby", "i will hurt my baby"),
    ("he'll kill me, he won't stop", "he will kill me he will not stop"),
    ("u cant wanna r ur pls", "you can not want to are your please"),
    ("pleeeease heeelp", "pleease heelp"),
    ("i want 2 die", "i want to die"),
    ("my 2 year old", "my 2 year old"),
    ("knife & fork", "knife and fork"),
    ("Caf\u00e9 at the hub?", "cafe at the hub"),
])
def test_messages_are_tidied_before_the_rules_see_them(text, clean):
    assert RULES.normalise(text) == clean


def test_rules_are_compiled_once_and_the_file_is_not_reread(monkeypatch):
    assert risk.load_rules() is risk.load_rules()
    assert all(isinstance(rule.regex, risk.Pattern) for rule in RULES.rules)

    def no_rereading(*args, **kwargs):
        raise AssertionError("the rules file was read again")

    monkeypatch.setattr(risk.yaml, "safe_load", no_rereading)
    assert risk.assess("my baby isnt breathing").kind == "medical"
    assert risk.assess("my baby isnt breathing", risk.load_rules()).kind == "medical"


def test_a_long_message_is_still_checked():
    text = "what time is stay and play tomorrow " * 200 + "i want to die"
    assert risk.assess(text).kind == "self_harm"


MINIMAL = """
priority: [medical, child_harm, violence, parent_fear, self_harm, nowhere_safe]
words:
  baby: '(?:baby|newborn)'
rules:
  medical: [{name: m, pattern: '{baby} not breathing', examples: [x]}]
  child_harm: [{name: c, pattern: 'shook the {baby}', examples: [x]}]
  violence: [{name: v, pattern: 'hit me', unless: ['hit me up'], examples: [x]}]
  parent_fear: [{name: p, pattern: 'could shake the {baby}', examples: [x]}]
  self_harm: [{name: s, pattern: 'want to die', examples: [x]}]
  nowhere_safe: [{name: n, pattern: 'nowhere to sleep', examples: [x]}]
idioms:
  - {name: i, pattern: 'die of embarrassment', examples: [x]}
"""


def test_a_rules_file_can_be_loaded_from_another_path(tmp_path):
    path = tmp_path / "rules.yml"
    path.write_text(MINIMAL)
    rules = risk.load_rules(path)
    assert risk.assess("newborn not breathing", rules) == risk.RiskAssessment("medical", "m")
    assert risk.assess("all fine here", rules) is None
    assert risk.assess("he hit me", rules) == risk.RiskAssessment("violence", "v")
    assert risk.assess("hit me up later", rules) is None


@pytest.mark.parametrize("broken, message", [
    (MINIMAL.replace("{baby} not", "{babby} not"), "unknown word list"),
    (MINIMAL.replace("  self_harm: [{name: s, pattern: 'want to die', examples: [x]}]\n", ""), "self_harm"),
    (MINIMAL.replace("hit me", "hit (me"), "rule v"),
    (MINIMAL.replace("name: c", "name: m"), "used twice"),
    (MINIMAL.replace("priority: [medical, ", "priority: ["), "priority"),
    (MINIMAL.replace("  nowhere_safe: [{name: n, pattern: 'nowhere to sleep', examples: [x]}]\n", ""),
     "nowhere_safe"),
    # RE2 cannot look ahead or back, or refer back: say so, and what to use instead
    (MINIMAL.replace("'hit me'", "'hit me(?! up)'"), r"rule v: a lookahead \(\?! .* use unless:"),
    (MINIMAL.replace("'want to die'", "'(?<!not )want to die'"), r"rule s: a lookbehind .* use unless:"),
    (MINIMAL.replace("'hit me up'", "'hit me (?=up)'"), r"rule v, unless: a lookahead"),
    (MINIMAL.replace("'die of embarrassment'", "'(die) of \\1'"), r"idiom i: a backreference"),
    (MINIMAL.replace("'(?:baby|newborn)'", "'(?:baby|newborn(?!s))'"), r"word list baby: a lookahead"),
    # anything else RE2 refuses, in its own words
    (MINIMAL.replace("'want to die'", "'want to die\\Z'"), r"rule s: RE2 cannot compile it"),
    (MINIMAL.replace("unless: ['hit me up']", "unles: ['hit me up']"), r"rule v: unknown key unles"),
])
def test_a_broken_rules_file_fails_loudly_at_start_up(tmp_path, broken, message):
    path = tmp_path / "rules.yml"
    path.write_text(broken)
    with pytest.raises(ValueError, match=message):
        risk.load_rules(path)


def test_the_held_out_kinds_of_near_miss_that_are_over_or_questions_are_not_crises():
    # Worded unlike data/safety/crisis_examples/heldout.yml on purpose.
    for text in [
        "two years back we ended up homeless for a few months but we are settled in a council flat now",
        "my boy choked a little on a bit of toast at breakfast but he is absolutely fine",
        "when she was a baby she had a seizure with a high temperature, nothing since",
        "i used to self harm when i was at school, been well for years now, any volunteering",
        "what are the signs my teenager might be self harming",
    ]:
        assert risk.assess(text) is None, text
    # ... while the same subjects now, or coming back, still are
    for text, kind in [
        ("we were homeless for a bit and now we are sleeping in the car", "nowhere_safe"),
        ("ive been homeless for a while with my baby", "nowhere_safe"),
        ("my son choked on a grape and he is going blue", "medical"),
        ("my son had a seizure when he was asleep", "medical"),
        ("i used to self harm as a teen and now ive started again", "self_harm"),
        ("my husband says he will kill me lol joking", "violence"),
    ]:
        found = risk.assess(text)
        assert found is not None and found.kind == kind, text


# --- training and held-out examples ------------------------------------------
# A topic example that the crisis rules catch would be answered as a crisis,
# never as its topic, so it teaches the model nothing and hides a wording
# problem. A message that really is a crisis belongs in the rules, not in a
# topic's examples.

ROOT = __import__("pathlib").Path(__file__).resolve().parents[2]


def _examples(path):
    import yaml

    for item in yaml.safe_load(path.read_text(encoding="utf-8")).get("nlu") or []:
        if "intent" not in item or item["intent"] == "crisis":
            continue
        for line in item["examples"].splitlines():
            line = line.strip()
            if line.startswith("- "):
                yield item["intent"], line[2:]


TOPIC_EXAMPLES = [
    (path.relative_to(ROOT).as_posix(), intent, text)
    for path in sorted((ROOT / "data" / "nlu").glob("*.yml")) + [ROOT / "tests" / "nlu" / "heldout.yml"]
    for intent, text in _examples(path)
]


def test_there_are_topic_examples_to_check():
    assert len(TOPIC_EXAMPLES) > 1000


def test_no_topic_example_is_taken_for_a_crisis():
    tripped = [f"{where} {intent}: {text!r} -> {found.kind}"
               for where, intent, text in TOPIC_EXAMPLES if (found := risk.assess(text))]
    assert not tripped, "topic examples the crisis rules catch:\n" + "\n".join(tripped)
