"""Accuracy of sitmon.extract on the labelled corpus and on the real texts in ../shared/eval.

    python benchmarks/extract_accuracy.py [--verbose] [--only corpus|isaf|ucdp]

Corpus (tests/data/corpus.jsonl, labelled per story; see tests/data/README.md):
  * story-level P/R/F1 per event type: a story is a true positive for a type when
    gold and prediction both have at least one event of it;
  * event-level P/R/F1 per type: truces as the set of distinct statuses of the
    story; violations by count, paired greedily on actor/location; casualties as
    figure facts (each killed and each wounded figure), paired on equal values;
  * truce fields on stories where a truce was found: status (best match: the gold
    status is among the predicted ones; majority: the most frequent predicted
    status), parties and mediators (set equality of canonical names), kind;
  * violation fields on paired violations; breach detected per story;
  * casualty figures per story (rules in benchmarks/common.py): killed exact,
    wounded exact, cumulative exact, historical figures counted as current;
  * conflict names compared case-insensitively and reported apart, never failing
    an event.
ISAF (724 press releases, hand-counted `min_killed`): killed per release = the
story killed figure of common.py, exact match over all
releases and over those with deaths, mean absolute error. A figure repeated in
headline and body counts once (the restatement rule of common.py).
UCDP (674 events with headlines; several headlines per event split on ';'): share
of extracted killed figures that fall within the event's low..high estimate.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (  # noqa: E402
    Names,
    as_dicts,
    collapse,
    gold_figures,
    load_corpus,
    load_extract,
    load_isaf,
    load_ucdp,
    loose_match,
    parse_time,
    predicted_figures,
    predicted_subset,
    same_conflict,
)

TYPES = ("truce", "violation", "casualty")
# Notes on a story start with "~" when they concern a field (parties, actor,
# location, breach...); the others (a missed or spurious event type, a wrong truce
# status, a wrong count of violations, a wrong figure) make the story wrong in the
# per-category table.

# The "done when" targets, printed next to the measured values.
TARGETS = {
    "truce F1 (story)": 0.90,
    "truce status (best match)": 0.85,
    "truce parties": 0.85,
    "violation F1 (story)": 0.90,
    "killed exact": 0.85,
    "wounded exact": 0.80,
    "ISAF killed exact (all)": 0.88,
    "ISAF killed exact (with deaths)": 0.70,
}


@dataclass
class Tally:
    """True positives, false positives and false negatives."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    def add(self, tp: int, fp: int, fn: int) -> None:
        self.tp, self.fp, self.fn = self.tp + tp, self.fp + fp, self.fn + fn

    def prf(self) -> tuple[float, float, float]:
        p = self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0
        r = self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        return p, r, f


@dataclass
class Rate:
    """A share of right answers."""

    right: int = 0
    total: int = 0

    def add(self, ok: bool) -> bool:
        self.right += bool(ok)
        self.total += 1
        return bool(ok)

    def value(self) -> float:
        return self.right / self.total if self.total else 1.0

    def text(self) -> str:
        return f"{self.value():.3f}  ({self.right}/{self.total})"


@dataclass
class CorpusScore:
    story: dict[str, Tally] = field(default_factory=lambda: {t: Tally() for t in TYPES})
    event: dict[str, Tally] = field(default_factory=lambda: {t: Tally() for t in TYPES})
    rates: dict[str, Rate] = field(default_factory=lambda: defaultdict(Rate))
    breach: Tally = field(default_factory=Tally)
    historical_as_current: int = 0
    by_category: dict[str, Rate] = field(default_factory=lambda: defaultdict(Rate))
    errors: list[str] = field(default_factory=list)
    misses: list[str] = field(default_factory=list)


# --- corpus ---------------------------------------------------------------------


def of_type(events: list[dict], kind: str) -> list[dict]:
    return [e for e in events if e["type"] == kind]


def score_truces(gold: list[dict], pred: list[dict], sc: CorpusScore, names: Names, notes: list):
    gold_statuses = {g["status"] for g in gold}
    pred_statuses = {p["status"] for p in pred}
    sc.event["truce"].add(
        len(gold_statuses & pred_statuses),
        len(pred_statuses - gold_statuses),
        len(gold_statuses - pred_statuses),
    )
    if gold_statuses != pred_statuses:
        notes.append(f"truce status {sorted(gold_statuses)} vs {sorted(pred_statuses)}")
    if not gold or not pred:
        return
    majority = Counter(p["status"] for p in pred).most_common(1)[0][0]
    for g in gold:
        sc.rates["truce status (best match)"].add(g["status"] in pred_statuses)
        sc.rates["truce status (majority)"].add(g["status"] == majority)
        cands = [p for p in pred if p["status"] == g["status"]] or pred
        want = names.canon_set(g["parties"])
        if not sc.rates["truce parties"].add(any(names.canon_set(p.get("parties")) == want for p in cands)):
            got = sorted({tuple(sorted(names.canon_set(p.get("parties")))) for p in cands})
            notes.append(f"~parties {sorted(want)} vs {got}")
        want = names.canon_set(g["mediators"])
        if not sc.rates["truce mediators"].add(
            any(names.canon_set(p.get("mediators")) == want for p in cands)
        ):
            got = sorted({tuple(sorted(names.canon_set(p.get("mediators")))) for p in cands})
            notes.append(f"~mediators {sorted(want)} vs {got}")
        if g.get("kind"):
            sc.rates["truce kind"].add(any(p.get("kind") == g["kind"] for p in cands))
        sc.rates["conflict: truce"].add(any(same_conflict(g["conflict"], p["conflict"]) for p in cands))


def pair_greedy(gold: list[dict], pred: list[dict], score: Callable[[dict, dict], float]):
    """Pairs of (gold, pred) with a positive score, best first, each used once."""
    scored = sorted(
        ((score(g, p), i, j) for i, g in enumerate(gold) for j, p in enumerate(pred)),
        key=lambda t: -t[0],
    )
    used_g, used_p, pairs = set(), set(), []
    for s, i, j in scored:
        if s > 0 and i not in used_g and j not in used_p:
            used_g.add(i)
            used_p.add(j)
            pairs.append((gold[i], pred[j]))
    return pairs


def score_violations(gold, pred, raw_pred, sc: CorpusScore, names: Names, notes: list):
    def closeness(g, p):
        return 1 + loose_match(g.get("actor"), p.get("actor"), names) + loose_match(
            g.get("location"), p.get("location"), names
        )

    pairs = pair_greedy(gold, pred, closeness)
    sc.event["violation"].add(len(pairs), len(pred) - len(pairs), len(gold) - len(pairs))
    if len(gold) != len(pred):
        notes.append(f"violations {len(gold)} vs {len(pred)}")
    for g, p in pairs:
        for key in ("actor", "location", "claimed_by"):
            if g.get(key) and not sc.rates[f"violation {key}"].add(loose_match(g[key], p.get(key), names)):
                notes.append(f"~violation {key} {g[key]!r} vs {p.get(key)!r}")
        # the other side of the claimant: a source named where the story names none is wrong too
        if not g.get("claimed_by") and not sc.rates["violation claimed_by none"].add(not p.get("claimed_by")):
            notes.append(f"~violation claimed_by None vs {p.get('claimed_by')!r}")
        sc.rates["conflict: violation"].add(same_conflict(g["conflict"], p["conflict"]))
    gold_breach = any(g.get("breach") for g in gold)
    pred_breach = any(p.get("breach") for p in raw_pred)
    sc.breach.add(gold_breach and pred_breach, pred_breach and not gold_breach, gold_breach and not pred_breach)
    if gold_breach != pred_breach:
        notes.append(f"~breach {gold_breach} vs {pred_breach}")


def figure_facts(events: list[dict]) -> list[dict]:
    """Each killed or wounded figure of the casualty events as a fact of its own, so
    a sentence-level "9 killed" plus "20 wounded" matches a story-level (9, 20)."""
    facts = []
    for e in events:
        for kind in ("killed", "wounded"):
            if e.get(kind) is not None:
                facts.append({"kind": kind, "value": e[kind], "high": e.get(f"{kind}_high"),
                              "scope": e.get("scope"), "historical": bool(e.get("historical")),
                              "conflict": e.get("conflict")})
    return facts


def score_casualties(gold, pred, raw_pred, sc: CorpusScore, notes: list):
    def closeness(g, p):
        if (g["kind"], g["value"]) != (p["kind"], p["value"]):
            return 0
        return 1 + (g["historical"] == p["historical"]) + (g["scope"] == p["scope"])

    gold_facts, pred_facts = figure_facts(gold), figure_facts(pred)
    pairs = pair_greedy(gold_facts, pred_facts, closeness)
    sc.event["casualty"].add(len(pairs), len(pred_facts) - len(pairs), len(gold_facts) - len(pairs))
    for g, p in pairs:
        sc.rates["casualty scope"].add(g["scope"] == p["scope"])
        if g["high"] is not None or p["high"] is not None:
            sc.rates[f"{g['kind']} high (ranges)"].add(g["high"] == p["high"])
        sc.rates["conflict: casualty"].add(same_conflict(g["conflict"], p["conflict"]))
    for g in gold:
        if not g.get("historical") or g.get("killed") is None:
            continue
        counted = [
            p for p in raw_pred
            if not p.get("historical") and g["killed"] in (p.get("killed"), p.get("killed_high"))
        ]
        sc.rates["historical flagged"].add(
            any(p.get("historical") and p.get("killed") == g["killed"] for p in raw_pred)
        )
        if counted:
            sc.historical_as_current += 1
            notes.append(f"historical {g['killed']} counted as current")


def score_item(item: dict, extract: Callable, sc: CorpusScore, names: Names) -> None:
    title, summary = item["title"], item["summary"]
    try:
        raw = as_dicts(extract(title, summary, parse_time(item["published"])))
    except Exception as exc:  # a crash is a miss, and is listed
        sc.errors.append(f"{item['id']}: {type(exc).__name__}: {exc}")
        raw = []
    pred = collapse(raw, title, summary, names)
    gold = item["events"]
    notes: list[str] = []
    for kind in TYPES:
        g, p = bool(of_type(gold, kind)), bool(of_type(pred, kind))
        sc.story[kind].add(g and p, p and not g, g and not p)
        if g != p:
            notes.append(f"{kind} {'missed' if g else 'spurious'}")
    score_truces(of_type(gold, "truce"), of_type(pred, "truce"), sc, names, notes)
    score_violations(of_type(gold, "violation"), of_type(pred, "violation"), of_type(raw, "violation"), sc, names, notes)
    score_casualties(of_type(gold, "casualty"), of_type(pred, "casualty"), raw, sc, notes)

    conflicts = {e["conflict"] for e in gold}
    gf = gold_figures(gold)
    pf = predicted_figures(raw, title, summary, conflicts, names)
    for label, g, p in (
        ("killed exact", gf.killed, pf.killed),
        ("wounded exact", gf.wounded, pf.wounded),
        ("cumulative killed exact", gf.cumulative, pf.cumulative),
    ):
        if not sc.rates[label].add(g == p):
            notes.append(f"{label.split()[0]} {g} vs {p}")
    if gf.killed:
        sc.rates["killed exact (stories with deaths)"].add(gf.killed == pf.killed)
    core = [n for n in notes if not n.startswith("~")]
    sc.by_category[item["category"]].add(not core)
    if notes:
        sc.misses.append(describe(item, raw, notes))


def compact(event: dict) -> str:
    skip = {"type", "evidence", "conflict"}
    fields = ", ".join(f"{k}={v}" for k, v in event.items() if k not in skip and v not in (None, [], False))
    return f"{event['type']}[{event.get('conflict')}]({fields})"


def describe(item: dict, pred: list[dict], notes: list[str]) -> str:
    lines = [f"--- {item['id']} [{item['category']}] " + "; ".join(notes)]
    lines.append(f"    T: {item['title']}")
    lines.append(f"    S: {item['summary']}")
    lines += [f"    gold {compact(e)}" for e in item["events"]] or ["    gold (none)"]
    for e in pred:
        lines.append(f"    pred {compact(e)}  <- {e.get('evidence', '')[:90]!r}")
    return "\n".join(lines)


# --- ISAF and UCDP ---------------------------------------------------------------------


@dataclass
class IsafScore:
    all: Rate = field(default_factory=Rate)
    deaths: Rate = field(default_factory=Rate)
    no_deaths: Rate = field(default_factory=Rate)
    distinct: Rate = field(default_factory=Rate)
    abs_error: int = 0
    over: int = 0
    under: int = 0
    misses: list[str] = field(default_factory=list)


def distinct_killed(raw: list[dict], rel, conflicts: set, names: Names) -> int:
    """Diagnostic only: the release's killed figure if a figure repeated anywhere in
    it ("killed two insurgents ... The two insurgents were killed") counted once."""
    seen = {
        e["killed"] for e in raw
        if e["type"] == "casualty" and e.get("killed") and not e.get("historical")
        and e.get("scope", "incident") != "cumulative"
        and not predicted_subset(e, conflicts, names)
    }
    return sum(seen)


def score_isaf(extract: Callable, names: Names) -> IsafScore:
    sc = IsafScore()
    for rel in load_isaf():
        try:
            raw = as_dicts(extract(rel.title, rel.body, rel.published))
        except Exception as exc:
            raw = []
            sc.misses.append(f"--- {rel.ref}: {type(exc).__name__}: {exc}")
        conflicts = {e["conflict"] for e in raw}
        got = predicted_figures(raw, rel.title, rel.body, conflicts, names).killed
        sc.distinct.add(distinct_killed(raw, rel, conflicts, names) == rel.killed)
        ok = got == rel.killed
        sc.all.add(ok)
        (sc.deaths if rel.killed else sc.no_deaths).add(ok)
        sc.abs_error += abs(got - rel.killed)
        sc.over += got > rel.killed
        sc.under += got < rel.killed
        if not ok:
            evidence = [f"    pred {compact(e)}  <- {e.get('evidence', '')[:110]!r}" for e in raw if e["type"] == "casualty"]
            sc.misses.append("\n".join([f"--- ISAF {rel.ref[:60]!r}: gold {rel.killed} vs {got}", *evidence]))
    return sc


@dataclass
class UcdpScore:
    events: int = 0
    headlines: int = 0
    figures: int = 0
    within: int = 0
    above: int = 0
    events_with_figure: int = 0
    events_within: int = 0
    misses: list[str] = field(default_factory=list)


def score_ucdp(extract: Callable, names: Names) -> UcdpScore:
    sc = UcdpScore()
    for ev in load_ucdp():
        sc.events += 1
        inside = found = False
        for head in ev.headlines:
            sc.headlines += 1
            try:
                raw = as_dicts(extract(head, "", ev.published))
            except Exception as exc:
                sc.misses.append(f"--- UCDP {head!r}: {type(exc).__name__}: {exc}")
                continue
            killed = predicted_figures(raw, head, "", {e["conflict"] for e in raw}, names).killed
            if not killed:
                continue
            found = True
            sc.figures += 1
            ok = ev.low <= killed <= ev.high
            sc.within += ok
            sc.above += killed > ev.high
            inside |= ok
            if not ok:
                sc.misses.append(f"--- UCDP {head!r}: {killed} not in {ev.low}..{ev.high}")
        sc.events_with_figure += found
        sc.events_within += inside
    return sc


# --- report --------------------------------------------------------------------------


def row(label: str, value: str, target: float | None = None, measured: float | None = None) -> str:
    mark = ""
    if target is not None and measured is not None:
        mark = f"  target {target:.2f} {'PASS' if measured >= target else 'FAIL'}"
    return f"  {label:<38} {value}{mark}"


def report_corpus(sc: CorpusScore, n: int) -> None:
    print(f"\nCORPUS  ({n} stories, tests/data/corpus.jsonl)")
    print(f"  {'':<38} {'P':>6} {'R':>6} {'F1':>6}   (tp/fp/fn)")
    for level, tallies in (("story", sc.story), ("event", sc.event)):
        for kind in TYPES:
            t = tallies[kind]
            p, r, f = t.prf()
            label = f"{kind} F1 ({level})"
            mark = ""
            if label in TARGETS:
                mark = f"  target {TARGETS[label]:.2f} {'PASS' if f >= TARGETS[label] else 'FAIL'}"
            print(f"  {label:<38} {p:6.3f} {r:6.3f} {f:6.3f}   ({t.tp}/{t.fp}/{t.fn}){mark}")
    p, r, f = sc.breach.prf()
    t = sc.breach
    print(f"  {'breach detected (story)':<38} {p:6.3f} {r:6.3f} {f:6.3f}   ({t.tp}/{t.fp}/{t.fn})")
    print()
    order = [
        "truce status (best match)", "truce status (majority)", "truce parties", "truce mediators",
        "truce kind", "violation actor", "violation location", "violation claimed_by",
        "violation claimed_by none",
        "killed exact", "killed exact (stories with deaths)", "wounded exact", "cumulative killed exact",
        "casualty scope", "killed high (ranges)", "wounded high (ranges)", "historical flagged",
        "conflict: truce", "conflict: violation", "conflict: casualty",
    ]
    for label in order:
        rate = sc.rates.get(label)
        if rate:
            print(row(label, rate.text(), TARGETS.get(label), rate.value()))
    print(row("historical counted as current", f"{sc.historical_as_current}", None, None)
          + ("  target 0 " + ("PASS" if sc.historical_as_current == 0 else "FAIL")))
    if sc.errors:
        print(f"  extract() raised on {len(sc.errors)} stories: " + "; ".join(sc.errors[:3]))
    print("\n  stories with every core fact right (types, statuses, violation count, figures), by category:")
    for cat in sorted(sc.by_category):
        print(f"    {cat:<26} {sc.by_category[cat].text()}")


def report_isaf(sc: IsafScore) -> None:
    print(f"\nISAF  ({sc.all.total} press releases, {sc.deaths.total} with deaths)")
    print(row("ISAF killed exact (all)", sc.all.text(), TARGETS["ISAF killed exact (all)"], sc.all.value()))
    print(row("ISAF killed exact (with deaths)", sc.deaths.text(),
              TARGETS["ISAF killed exact (with deaths)"], sc.deaths.value()))
    print(row("ISAF killed exact (no deaths)", sc.no_deaths.text()))
    print(row("(diagnostic) repeated figures once", sc.distinct.text()))
    print(row("ISAF killed MAE", f"{sc.abs_error / max(sc.all.total, 1):.3f}"))
    print(row("ISAF over / under counted", f"{sc.over} / {sc.under}"))


def report_ucdp(sc: UcdpScore) -> None:
    print(f"\nUCDP  ({sc.events} events, {sc.headlines} headlines; plausibility only)")
    share = sc.within / sc.figures if sc.figures else 0.0
    print(row("figures within low..high", f"{share:.3f}  ({sc.within}/{sc.figures})"))
    print(row("figures above high", f"{sc.above}"))
    print(row("events with a figure", f"{sc.events_with_figure}/{sc.events}"))
    print(row("events with a figure within range", f"{sc.events_within}/{sc.events_with_figure}"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--verbose", action="store_true", help="print every miss, gold vs predicted")
    parser.add_argument("--only", choices=("corpus", "isaf", "ucdp"), help="run one part only")
    args = parser.parse_args(argv)
    extract = load_extract()
    names = Names()
    started = time.perf_counter()
    if args.only in (None, "corpus"):
        corpus = load_corpus()
        sc = CorpusScore()
        for item in corpus:
            score_item(item, extract, sc, names)
        if args.verbose:
            print("\n".join(sc.misses))
        report_corpus(sc, len(corpus))
    if args.only in (None, "isaf"):
        isaf = score_isaf(extract, names)
        if args.verbose:
            print("\n".join(isaf.misses))
        report_isaf(isaf)
    if args.only in (None, "ucdp"):
        ucdp = score_ucdp(extract, names)
        if args.verbose:
            print("\n".join(ucdp.misses))
        report_ucdp(ucdp)
    print(f"\n({time.perf_counter() - started:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
