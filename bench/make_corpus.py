#!/usr/bin/env python3
"""Writes bench/data/corpus.txt: the fixed benchmark corpus for bench_embed.

Nothing can be downloaded where the benchmark is built, so the corpus is composed from templates
and word lists with a seeded RNG: plausible English of the kinds semsearch indexes (personal
notes, documentation, code comments, science, everyday life, questions), one sentence or short
passage per line. The length distribution is what matters for speed: a log-normal spread around
~16 words (about 22 BERT word pieces with [CLS] and [SEP]) and about 1% long passages that exceed
128 word pieces and get truncated.

The output is deterministic (Python 3 standard library only; random.Random's choice/random are
stable across versions). The checked-in file is the reference; re-running reproduces it.

    python3 bench/make_corpus.py                      # writes bench/data/corpus.txt
    python3 bench/make_corpus.py --stats [--vocab V]  # word-piece statistics of the corpus

--stats counts word pieces with a small greedy WordPiece (lower-case, strip accents, split
punctuation, longest match with ## continuations), which matches BERT's tokenizer on this ASCII
text.
"""

import argparse
import math
import os
import random
import statistics
import sys
import unicodedata

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_OUT = os.path.join(HERE, "data", "corpus.txt")
DEFAULT_VOCAB = os.path.join(HERE, "..", "tests", "data", "tiny-bert-max", "vocab.txt")
SEED = 20240611
LINES = 2400
LONG_FRACTION = 0.01  # passages over 128 word pieces

# ---------------------------------------------------------------------------------------------
# Word lists

PEOPLE = ["Anna", "Ben", "Carla", "David", "Elena", "Farid", "Grace", "Hiro", "Ines", "Jonas",
          "Kate", "Luis", "Maya", "Nikolai", "Olivia", "Priya", "Quentin", "Rosa", "Sam",
          "Tomás", "Uma", "Victor", "Wen", "Yusuf", "Zoe", "my sister", "the landlord",
          "our manager", "the new intern", "Dr. Patel", "the plumber", "my neighbour",
          "the accountant", "Mum", "the support team", "the reviewer"]
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday",
        "tomorrow", "next week", "the end of the month", "the weekend", "lunch",
        "the quarterly review", "the holidays", "March 3", "the 15th"]
CLOCK = ["9:30", "10 am", "noon", "2 pm", "3:15", "half past four", "6 pm", "8:45"]
TASK_VERBS = ["renew", "cancel", "book", "check", "update", "send", "pay", "sign", "print",
              "review", "return", "order", "back up", "clean", "fix", "pick up", "reschedule",
              "email", "scan", "confirm"]
TASK_OBJECTS = ["passport", "car insurance", "dentist appointment", "train tickets",
                "electricity bill", "lease agreement", "tax return", "library books",
                "conference registration", "birthday present", "expense report",
                "project proposal", "vaccination record", "bike lock", "rental deposit",
                "laptop charger", "gym membership", "invoice for October", "slides for the talk",
                "spare keys", "warranty card", "parking permit", "flight itinerary"]
DOCUMENTS = ["printed agenda", "budget spreadsheet", "signed contract", "draft report",
             "meeting notes", "floor plan", "test results", "shopping list", "receipts"]
PROJECTS = ["the website redesign", "the kitchen renovation", "the Q3 launch",
            "the grant application", "the data migration", "the garden shed",
            "the wedding", "the move to Berlin", "the search index", "the onboarding guide"]

COMPONENTS = ["indexer", "tokenizer", "embedder", "search service", "configuration loader",
              "file watcher", "cache", "scheduler", "parser", "export module", "command-line tool",
              "settings dialog", "database layer", "HTTP client", "plugin manager",
              "result view", "background worker", "importer", "model loader", "query planner"]
DATA = ["the input files", "each document", "the query string", "the configuration file",
        "the vectors", "all pending changes", "the search results", "the model weights",
        "user preferences", "the log entries", "incoming requests", "the index on disk",
        "every paragraph", "the metadata", "temporary files"]
DOC_VERBS = ["reads", "validates", "splits", "normalises", "caches", "writes", "sorts",
             "compresses", "encrypts", "indexes", "merges", "filters", "streams", "parses",
             "loads", "deduplicates", "serialises", "scans"]
RESULTS = ["an empty list", "an error that names the file", "the default value", "null",
           "a partial result", "the cached copy", "false", "the number of bytes written",
           "a sorted list of matches", "a status code"]
CONDITIONS = ["the file is missing", "the folder cannot be read", "the request times out",
              "the user cancels the operation", "the cache is full", "no model is selected",
              "the input is empty", "the disk is full", "the path contains spaces",
              "two threads write at once", "the network is offline", "the index is out of date",
              "the version number does not match"]
OPTIONS = ["--batch-size", "--threads", "--verbose", "--dry-run", "--output", "--config",
           "--max-length", "--no-cache", "--watch", "--format json"]
PURPOSES = ["limit memory use", "see what would change without writing anything",
            "print progress to the terminal", "choose where the results go",
            "speed up indexing on large folders", "skip hidden files",
            "keep the previous index as a backup", "control how many files are read at once"]
FILES = ["config/settings.json", "README.md", "src/main.cpp", "~/.cache/semsearch", "notes.txt",
         "data/index.db", "CMakeLists.txt", "/etc/hosts", "report_final_v2.docx",
         "photos/2019/summer", "Makefile", "requirements.txt"]
IDENTIFIERS = ["readModelInfo()", "m_pending", "std::vector", "openEmbedder", "QFile::open",
               "maxSeqLength", "the batchSize field", "parse_args()", "HashMap", "onFinished",
               "the Result type", "isValid()", "loadConfig", "self.cache", "fetchAll()"]

CODE_OBJECTS = ["loop", "lock", "buffer", "copy", "check", "cast", "lookup table", "callback",
                "retry", "timeout", "allocation", "branch", "conversion", "helper", "counter",
                "flag", "sort", "early return"]
CODE_REASONS = ["the caller may pass an empty string", "the old API returned a raw pointer",
                "the vector can be reallocated while we iterate", "Windows paths use backslashes",
                "the server sometimes sends duplicate events", "sorting here keeps the output stable",
                "the compiler cannot see that the value is never negative",
                "it keeps the hot path free of allocations",
                "the file may be replaced while we read it", "older clients expect this field",
                "the timestamps come from different time zones",
                "the GUI thread must never block"]
CODE_PROPERTIES = ["not thread-safe", "only called once at startup", "slow on large inputs",
                   "deliberately simple", "a workaround for a library bug", "quadratic in the worst case",
                   "safe to call twice", "kept for backwards compatibility"]
CODE_EVENTS = ["the new parser lands", "we drop support for the old format",
               "the upstream fix is released", "the tests cover this case",
               "we know how large the files really get", "the migration has finished"]

RESEARCHERS = ["Researchers", "The authors", "A team in Oslo", "Biologists", "Climate scientists",
               "Astronomers", "The study", "Engineers", "Psychologists", "A recent survey",
               "Ecologists", "Chemists"]
FOUND = ["found", "reported", "showed", "confirmed", "observed", "suggested", "estimated"]
SCI_SUBJECTS = ["warmer water", "regular exercise", "a higher carbon dioxide level",
                "the new catalyst", "sleep deprivation", "urban light pollution",
                "the modified enzyme", "a diet rich in fibre", "a longer growing season",
                "the vaccine", "ocean acidification", "the smaller telescope",
                "growing up bilingual", "the presence of soil bacteria", "the drought"]
SCI_EFFECTS = ["reduces", "increases", "slows", "doubles", "changes", "weakens", "improves",
               "disrupts", "protects", "predicts"]
SCI_OBJECTS = ["the growth of coral reefs", "memory in older adults", "crop yields",
               "the rate of the reaction", "the migration of birds", "bone density",
               "the spread of the virus", "the brightness of distant galaxies",
               "insulin sensitivity", "the number of pollinators", "the melting of glaciers",
               "reading comprehension", "nitrogen in the soil", "blood pressure"]
SCI_CONDITIONS = ["temperatures rise above 30 degrees", "the sample size is large enough",
                  "the effect is measured over ten years", "other factors are controlled for",
                  "the pressure drops", "light levels are low", "the trial is repeated",
                  "participants are over 65", "the soil is dry"]
MEASURES = ["average temperature", "concentration", "speed", "half-life", "density", "variance",
            "energy", "pH", "frequency", "mass"]
SCI_THINGS = ["the solution", "the signal", "the particles", "the population", "the isotope",
              "the enzyme", "the star", "the river", "the cell membrane", "the alloy"]
FACTORS = ["altitude", "the season", "the amount of salt", "the wavelength", "age", "depth",
           "time of day", "the magnetic field", "body weight", "the concentration of oxygen"]

PLACES = ["the market", "the park", "the beach", "the library", "the station", "the bakery",
          "the museum", "the hardware store", "the cinema", "the hospital", "the post office",
          "the mountains", "the lake", "my parents' house", "the office", "the airport",
          "a small café near the river", "the old town", "the farmers' market", "the gym"]
WHEN = ["yesterday", "last Saturday", "this morning", "after work", "on the way home",
        "early on Sunday", "before the rain started", "during the holidays", "at lunch",
        "last night", "two weeks ago", "in the afternoon"]
PAST_ACTIONS = ["bought fresh bread", "found a good book", "met an old friend",
                "lost my umbrella", "took a lot of photos", "waited almost an hour",
                "had the best coffee in years", "forgot my wallet", "walked the dog",
                "saw a concert", "fixed the flat tyre", "picked up the parcel",
                "tried the new restaurant", "watched the sunset", "borrowed a ladder"]
FOODS = ["soup", "pizza", "curry", "pasta", "salad", "bread", "cake", "fish", "coffee",
         "lemonade", "risotto", "ramen", "apple pie", "chili"]
ADJECTIVES = ["excellent", "too salty", "surprisingly good", "a bit cold", "expensive",
              "delicious", "disappointing", "better than last time", "quite spicy", "fine"]
TRIP_ADJECTIVES = ["long", "relaxing", "too short", "exhausting", "cheaper than expected",
                   "wonderful", "a bit rushed", "worth it"]
ORGS = ["the city council", "the university", "the museum", "the company", "the hospital",
        "the railway", "the library", "the football club", "the government", "the school"]
CITIES = ["Lisbon", "Toronto", "Nairobi", "Kyoto", "Manchester", "Lyon", "Melbourne",
          "Denver", "Krakow", "Buenos Aires", "Edinburgh", "Pune", "Seville", "Halifax"]
ORG_ACTIONS = ["opened a new building", "announced a hiring freeze", "closed the old bridge",
               "raised ticket prices", "started a recycling programme", "moved its headquarters",
               "restored the historic theatre", "published its annual report",
               "planted two thousand trees", "launched a free bus service"]
SYMPTOMS = ["crash", "freeze", "use so much memory", "return no results", "show the wrong date",
            "ignore my settings", "slow down", "lose the last change", "print a warning"]
QUESTION_TASKS = ["remove a stain from a wool jumper", "reset the router",
                  "export my contacts", "split a large PDF", "keep basil alive indoors",
                  "change the default browser", "cook rice without it sticking",
                  "merge two branches", "find duplicate photos", "learn to touch type",
                  "convert the video to MP4", "undo the last commit", "sleep better on flights"]
SIDE_EFFECTS = ["losing data", "paying for an app", "making it worse", "a second monitor",
                "admin rights", "breaking the build", "reinstalling everything"]

CONNECTORS = [
    lambda r: "but " + pick(r, ["the results were", "the answer was", "the weather was",
                                "the price was", "the outcome was"]) + " " +
    pick(r, ["mixed", "unclear", "better than expected", "disappointing", "encouraging"]),
    lambda r: "which took " + pick(r, ["longer than expected", "about twenty minutes",
                                       "most of the afternoon", "three attempts"]),
    lambda r: "so " + pick(r, ["we", "I", "they", "the team"]) + " " +
    pick(r, ["tried again", "gave up for the day", "wrote it down", "asked for help",
             "decided to wait", "changed the plan"]),
    lambda r: "because " + pick(r, CONDITIONS + SCI_CONDITIONS),
    lambda r: "although " + pick(r, ["nobody", "everyone", "hardly anyone"]) + " " +
    pick(r, ["expected it", "noticed", "complained", "agreed at first"]),
    lambda r: "and " + pick(r, PEOPLE) + " " + pick(r, ["agreed", "was not convinced",
                                                         "said it was fine",
                                                         "wants to discuss it again",
                                                         "will check the details"]),
    lambda r: "according to " + pick(r, ["the manual", "the latest figures", "the forecast",
                                         "the release notes", "a colleague", "the receipt"]),
    lambda r: "in " + pick(r, ["about", "roughly", "fewer than", "more than"]) + " " +
    str(r.choice([2, 3, 5, 10, 12, 15, 20, 30, 45, 90])) + " " +
    pick(r, ["minutes", "seconds", "days", "percent of the cases", "runs"]),
    lambda r: "for " + pick(r, ["the second time", "the whole group", "now", "obvious reasons",
                                "the first time since " + str(r.randint(1990, 2022))]),
    lambda r: "unless " + pick(r, CONDITIONS),
    lambda r: "while " + pick(r, PEOPLE) + " " + pick(r, ["was away", "checked the numbers",
                                                           "looked after the kids",
                                                           "finished the draft"]),
]


def pick(r, items):
    return r.choice(items)


def cap(s):
    return s[0].upper() + s[1:] if s else s


# ---------------------------------------------------------------------------------------------
# Core clauses, one generator per kind of text


def note(r):
    forms = [
        lambda: f"remember to {pick(r, TASK_VERBS)} the {pick(r, TASK_OBJECTS)} before {pick(r, DAYS)}",
        lambda: f"meeting with {pick(r, PEOPLE)} moved to {pick(r, DAYS)} at {pick(r, CLOCK)}; bring the {pick(r, DOCUMENTS)}",
        lambda: f"ask {pick(r, PEOPLE)} whether the {pick(r, DOCUMENTS)} for {pick(r, PROJECTS)} is ready",
        lambda: f"{pick(r, PEOPLE)} will {pick(r, TASK_VERBS)} the {pick(r, TASK_OBJECTS)} by {pick(r, DAYS)}",
        lambda: f"idea for {pick(r, PROJECTS)}: start with the {pick(r, DOCUMENTS)} and {pick(r, TASK_VERBS)} the {pick(r, TASK_OBJECTS)} later",
        lambda: f"don't forget the {pick(r, TASK_OBJECTS)}, it expires before {pick(r, DAYS)}",
        lambda: f"todo: {pick(r, TASK_VERBS)} {pick(r, TASK_OBJECTS)}, {pick(r, TASK_VERBS)} {pick(r, TASK_OBJECTS)}, call {pick(r, PEOPLE)}",
        lambda: f"the {pick(r, TASK_OBJECTS)} costs €{r.randint(12, 480)}.{r.choice(['00', '50', '99'])} if we {pick(r, TASK_VERBS)} it before {pick(r, DAYS)}",
    ]
    return r.choice(forms)()


def documentation(r):
    forms = [
        lambda: f"the {pick(r, COMPONENTS)} {pick(r, DOC_VERBS)} {pick(r, DATA)} and returns {pick(r, RESULTS)}",
        lambda: f"if {pick(r, CONDITIONS)}, the {pick(r, COMPONENTS)} returns {pick(r, RESULTS)}",
        lambda: f"use {pick(r, OPTIONS)} to {pick(r, PURPOSES)}",
        lambda: f"by default the {pick(r, COMPONENTS)} stores its state in {pick(r, FILES)}",
        lambda: f"the {pick(r, COMPONENTS)} {pick(r, DOC_VERBS)} {pick(r, DATA)} in batches of {r.choice([8, 16, 32, 64, 128, 256])}",
        lambda: f"since version {r.randint(1, 4)}.{r.randint(0, 12)}, {pick(r, IDENTIFIERS)} {pick(r, DOC_VERBS)} {pick(r, DATA)} lazily",
        lambda: f"see {pick(r, FILES)} for the full list of options supported by the {pick(r, COMPONENTS)}",
        lambda: f"calling {pick(r, IDENTIFIERS)} twice is allowed; the second call {pick(r, DOC_VERBS)} {pick(r, DATA)} again",
    ]
    return r.choice(forms)()


def codeComment(r):
    forms = [
        lambda: f"{pick(r, ['keep', 'add', 'skip', 'move', 'avoid'])} the {pick(r, CODE_OBJECTS)} here because {pick(r, CODE_REASONS)}",
        lambda: f"this {pick(r, CODE_OBJECTS)} is {pick(r, CODE_PROPERTIES)}, so do not call it from {pick(r, ['the GUI thread', 'a signal handler', 'the destructor', 'inside the loop'])}",
        lambda: f"TODO: remove the {pick(r, CODE_OBJECTS)} once {pick(r, CODE_EVENTS)}",
        lambda: f"{pick(r, IDENTIFIERS)} may be empty here: {pick(r, CODE_REASONS)}",
        lambda: f"we copy {pick(r, DATA)} first, since {pick(r, CODE_REASONS)}",
        lambda: f"note: the {pick(r, CODE_OBJECTS)} below is {pick(r, CODE_PROPERTIES)}",
        lambda: f"FIXME: {pick(r, IDENTIFIERS)} can {pick(r, SYMPTOMS)} when {pick(r, CONDITIONS)}",
    ]
    return r.choice(forms)()


def science(r):
    forms = [
        lambda: f"{pick(r, RESEARCHERS)} {pick(r, FOUND)} that {pick(r, SCI_SUBJECTS)} {pick(r, SCI_EFFECTS)} {pick(r, SCI_OBJECTS)} when {pick(r, SCI_CONDITIONS)}",
        lambda: f"the {pick(r, MEASURES)} of {pick(r, SCI_THINGS)} changes with {pick(r, FACTORS)}",
        lambda: f"{pick(r, SCI_SUBJECTS)} {pick(r, SCI_EFFECTS)} {pick(r, SCI_OBJECTS)} by about {r.randint(2, 60)} percent",
        lambda: f"{pick(r, RESEARCHERS)} measured the {pick(r, MEASURES)} of {pick(r, SCI_THINGS)} at {r.randint(3, 40)} sites over {r.randint(2, 15)} years",
        lambda: f"it is still unclear whether {pick(r, SCI_SUBJECTS)} {pick(r, SCI_EFFECTS)} {pick(r, SCI_OBJECTS)}",
        lambda: f"in the control group, the {pick(r, MEASURES)} stayed near {r.randint(1, 99)}.{r.randint(0, 9)} units",
    ]
    return r.choice(forms)()


def everyday(r):
    forms = [
        lambda: f"{pick(r, ['we', 'I', 'they'])} went to {pick(r, PLACES)} {pick(r, WHEN)} and {pick(r, PAST_ACTIONS)}",
        lambda: f"the {pick(r, FOODS)} at {pick(r, PLACES)} was {pick(r, ADJECTIVES)}",
        lambda: f"{pick(r, PEOPLE)} {pick(r, PAST_ACTIONS)} {pick(r, WHEN)}",
        lambda: f"{pick(r, WHEN)} I {pick(r, PAST_ACTIONS)} at {pick(r, PLACES)}",
        lambda: f"in {r.randint(1890, 2023)}, {pick(r, ORGS)} in {pick(r, CITIES)} {pick(r, ORG_ACTIONS)}",
        lambda: f"the trip to {pick(r, CITIES)} was {pick(r, TRIP_ADJECTIVES)}, and the {pick(r, FOODS)} was {pick(r, ADJECTIVES)}",
        lambda: f"{pick(r, ORGS)} {pick(r, ORG_ACTIONS)} last year",
    ]
    return r.choice(forms)()


def question(r):
    forms = [
        lambda: f"how do I {pick(r, QUESTION_TASKS)} without {pick(r, SIDE_EFFECTS)}",
        lambda: f"why does the {pick(r, COMPONENTS)} {pick(r, SYMPTOMS)} after {pick(r, CODE_EVENTS)}",
        lambda: f"is it normal that {pick(r, SCI_SUBJECTS)} {pick(r, SCI_EFFECTS)} {pick(r, SCI_OBJECTS)}",
        lambda: f"what is the best way to {pick(r, QUESTION_TASKS)}",
        lambda: f"does anyone know why {pick(r, IDENTIFIERS)} would {pick(r, SYMPTOMS)} when {pick(r, CONDITIONS)}",
        lambda: f"can {pick(r, PEOPLE)} {pick(r, TASK_VERBS)} the {pick(r, TASK_OBJECTS)} before {pick(r, DAYS)}",
    ]
    return r.choice(forms)()


KINDS = [(note, 0.18), (documentation, 0.2), (codeComment, 0.14), (science, 0.18),
         (everyday, 0.2), (question, 0.1)]


def wordCount(s):
    return len(s.split())


def finish(body, isQuestion):
    body = cap(body.strip())
    return body + ("?" if isQuestion else ".")


def sentence(r, targetWords):
    """One sentence of roughly targetWords words: a core clause plus connectors."""
    kinds, weights = zip(*KINDS)
    kind = r.choices(kinds, weights)[0]
    body = kind(r)
    # Connectors lengthen the clause towards the target; questions stay single-clause mostly.
    unused = list(range(len(CONNECTORS)))  # no connector twice in one sentence
    while wordCount(body) < targetWords - 3:
        if r.random() < 0.25 or not unused:
            body += "; " + kind(r)  # a second clause on the same topic
        else:
            body += ", " + CONNECTORS[unused.pop(r.randrange(len(unused)))](r)
    return finish(body, kind is question)


def passage(r, minWords):
    """A long line: several sentences, as when a whole paragraph is one searchable unit."""
    parts = []
    while sum(wordCount(p) for p in parts) < minWords:
        parts.append(sentence(r, int(r.uniform(12, 28))))
    return " ".join(parts)


def generate(seed, count):
    r = random.Random(seed)
    seen = set()
    lines = []
    while len(lines) < count:
        if r.random() < LONG_FRACTION:
            line = passage(r, r.randint(105, 170))
        else:
            # Log-normal word counts: median ~14 words, long right tail, clipped at 3..60.
            target = int(round(r.lognormvariate(math.log(14.0), 0.45)))
            line = sentence(r, max(3, min(60, target)))
        if line not in seen:
            seen.add(line)
            lines.append(line)
    return lines


# ---------------------------------------------------------------------------------------------
# --stats: an approximate BERT word-piece counter (exact for ASCII text like this corpus)


def isPunctuation(ch):
    cp = ord(ch)
    if 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126:
        return True
    return unicodedata.category(ch).startswith("P")


def basicTokens(text):
    text = "".join(c.lower() for c in text)
    out = []
    for word in text.split():
        word = "".join(c for c in unicodedata.normalize("NFD", word)
                       if unicodedata.category(c) != "Mn")
        current = ""
        for ch in word:
            if isPunctuation(ch):
                if current:
                    out.append(current)
                    current = ""
                out.append(ch)
            else:
                current += ch
        if current:
            out.append(current)
    return out


def wordPieceCount(word, vocab):
    if len(word) > 100:
        return 1
    count, start = 0, 0
    while start < len(word):
        end = len(word)
        while end > start:
            piece = word[start:end] if start == 0 else "##" + word[start:end]
            if piece in vocab:
                break
            end -= 1
        if end == start:
            return 1  # the whole word becomes [UNK]
        count += 1
        start = end
    return count


def stats(path, vocabPath, maxLength):
    with open(vocabPath, encoding="utf-8") as f:
        vocab = {line.rstrip("\n") for line in f}
    with open(path, encoding="utf-8") as f:
        lines = [line.strip() for line in f if line.strip()]
    full = [2 + sum(wordPieceCount(w, vocab) for w in basicTokens(line)) for line in lines]
    cut = [min(n, maxLength) for n in full]
    words = [wordCount(line) for line in lines]
    q = statistics.quantiles(full, n=20)
    print(f"file: {path} ({os.path.getsize(path)} bytes)")
    print(f"lines: {len(lines)}")
    print(f"distinct lines: {len(set(lines))}")
    print(f"mean words/line: {statistics.mean(words):.2f}")
    print(f"mean word pieces/line (with [CLS]/[SEP], untruncated): {statistics.mean(full):.2f}")
    print(f"mean word pieces/line (truncated to {maxLength}): {statistics.mean(cut):.2f}")
    print(f"median: {statistics.median(full)}  p5: {q[0]}  p25: {q[4]}  p75: {q[14]}  "
          f"p95: {q[18]}  min: {min(full)}  max: {max(full)}")
    print(f"lines over {maxLength} pieces (truncated): {sum(n > maxLength for n in full)}")
    print(f"total tokens after truncation: {sum(cut)}")
    edges = [0, 8, 16, 24, 32, 48, 64, 96, 128, 10**9]
    for lo, hi in zip(edges, edges[1:]):
        n = sum(lo < x <= hi for x in full)
        label = f"{lo + 1}-{hi}" if hi < 10**9 else f">{lo}"
        print(f"  {label:>8}: {n:5d} {'#' * (n // 20)}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", default=DEFAULT_OUT, help="corpus file to write or read")
    parser.add_argument("--stats", action="store_true", help="print word-piece statistics")
    parser.add_argument("--vocab", default=DEFAULT_VOCAB, help="vocab.txt for --stats")
    parser.add_argument("--max-length", type=int, default=128)
    args = parser.parse_args()
    if args.stats:
        stats(args.out, args.vocab, args.max_length)
        return 0
    lines = generate(SEED, LINES)
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w", encoding="utf-8", newline="\n") as f:
        f.write("\n".join(lines) + "\n")
    print(f"wrote {len(lines)} lines to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
