#!/bin/bash
# tests/test_data_cli.sh: end-to-end checks of `rgtg data tokenizer|prepare|expand|inspect|export` on
# fixtures it writes itself (jsonl, hh .jsonl.gz, ultrafeedback, sharegpt, post-edit TSV, plain text):
# round trips, expansion counts, the prefix convention, byte-for-byte determinism and the bad inputs;
# lossless text: Unicode stress rows in the jsonl, ultrafeedback, sharegpt and post-edit shapes come back
# byte for byte, the tokenizer's settings and the per-file round-trip counts are recorded and shown, and
# a tokenizer that loses text is refused when lossless text is required.
# usage: tests/test_data_cli.sh PATH/TO/rgtg   (prints ok/FAIL lines; exits 1 on any failure)
set -u
. "$(dirname "$0")/lib.sh"
RGTG=${1:?usage: test_data_cli.sh PATH/TO/rgtg}
RGTG=$(cd "$(dirname "$RGTG")" && pwd)/$(basename "$RGTG")
PY=${PYTHON:-/usr/bin/python3}
T=$(mktemp -d "${TMPDIR:-/tmp}/rgtg-data-cli.XXXXXX")
trap '[ -n "${KEEP:-}" ] || rm -rf "$T"' EXIT
cd "$T" || exit 1

# check DESCRIPTION COMMAND...: passes when the command succeeds
check() {
    local what=$1
    shift
    if "$@"; then pass "$what"; else fail "$what"; fi
}
# run NAME ARGS...: runs rgtg, keeping stdout, stderr and the exit status in NAME.{out,err,rc}
run() {
    local name=$1
    shift
    "$RGTG" "$@" >"$name.out" 2>"$name.err"
    echo $? >"$name.rc"
}
rc() { cat "$1.rc"; }
# no_leftovers DIR: nothing but the listed files, no temporary files beside outputs
no_tmp_files() { ! ls "$1" | grep -q '\.tmp'; }

# ---- fixtures: each format, plus the texts each row should decode back to (expected_*.jsonl) ----
$PY - <<'EOF' || exit 1
import gzip, json, random
rng = random.Random(7)
words = ("the a cat dog runs quickly slowly over under house garden river mountain green blue red happy "
         "sad answer question helpful harmful polite rude because therefore however seven bright quiet "
         "stone water light window paper music early late north south").split()
def text(lo, hi):
    return " ".join(rng.choice(words) for _ in range(rng.randint(lo, hi)))
def expect(f, prompt, chosen, rejected):
    f.write(json.dumps({"prompt": prompt, "chosen": chosen, "rejected": rejected}) + "\n")
# rows ultrafeedback (binarized) rows: the prompt plus message lists; texts() gives (prompt, a, b), and
# the expected responses are read(a), read(b)
def write_ultrafeedback(name, rows, texts, read=lambda x: x):
    with open(name + ".jsonl", "w") as f, open("expected_" + name + ".jsonl", "w") as e:
        for i in range(rows):
            p, a, b = texts()
            msg = lambda x: [{"role": "user", "content": p}, {"role": "assistant", "content": x}]
            f.write(json.dumps({"prompt": p, "prompt_id": "%04d" % i, "chosen": msg(a), "rejected": msg(b),
                                "score_chosen": 8.0, "score_rejected": 3.0}) + "\n")
            expect(e, p, read(a), read(b))

# jsonl: prompt/chosen/rejected; one pair with identical responses and one with an empty response
with open("prefs.jsonl", "w") as f, open("expected_jsonl.jsonl", "w") as e:
    for i in range(240):
        p, c, r = "Q: %s?" % text(3, 14), text(3, 24), text(3, 24)
        if i == 5: r = c                      # dropped: identical_responses
        if i == 9: r = ""                     # dropped: empty_response
        f.write(json.dumps({"prompt": p, "chosen": c, "rejected": r}) + "\n")
        if i not in (5, 9): expect(e, p, c, r)

# hh: full transcripts, some multi-turn; gzip with a fixed mtime so the bytes are stable
with gzip.GzipFile("hh.jsonl.gz", "wb", mtime=0) as g, open("expected_hh.jsonl", "w") as e:
    for i in range(120):
        hist = ""
        if i % 3 == 0: hist = "\n\nHuman: %s?\n\nAssistant: %s." % (text(2, 6), text(2, 8))
        q, a, b = text(3, 10), text(3, 20), text(3, 20)
        base = hist + "\n\nHuman: %s?\n\nAssistant:" % q
        g.write((json.dumps({"chosen": base + " " + a, "rejected": base + " " + b}) + "\n").encode())
        expect(e, base.lstrip("\n"), a, b)

# ultrafeedback (binarized): prompt plus message lists
write_ultrafeedback("ultrafeedback", 100, lambda: (text(3, 12), text(3, 20), text(3, 20)))

# sharegpt (LLaMA-Factory DPO): one JSON array
rows = []
with open("expected_sharegpt.jsonl", "w") as e:
    for i in range(100):
        q, a, b = text(3, 12), text(3, 20), text(3, 20)
        rows.append({"conversations": [{"from": "human", "value": q}], "chosen": {"from": "gpt", "value": a},
                     "rejected": {"from": "gpt", "value": b}})
        expect(e, "Human: %s\n\nAssistant:" % q, a, b)
with open("sharegpt.json", "w") as f:
    json.dump(rows, f, indent=1)

# post-edit TSV with a header: prompt = source, chosen = post-edit, rejected = MT
with open("postedit.tsv", "w") as f, open("expected_postedit.jsonl", "w") as e:
    f.write("S\tMT\tPE\n")
    for i in range(100):
        s, mt = text(3, 14), text(3, 14)
        pe = mt + " " + text(1, 4)
        f.write("%s\t%s\t%s\n" % (s, mt, pe))
        expect(e, s, pe, mt)

with open("plain.txt", "w") as f:
    for i in range(300): f.write(text(4, 20) + ".\n")

# Unicode stress rows, which a lossless tokenizer must give back byte for byte: newlines, runs of spaces
# and tabs, leading and trailing spaces, CJK, emoji with joiners, combining marks, right-to-left text
# with direction marks, C0 and C1 controls, odd spaces, astral and private-use characters
pieces = ["\n", "\n\n", "\r\n", "\t", "\t\t", "   ", "  \n  ", "\n\n\n", "\u4e2d\u6587\u5b57", "\u3072\u3089\u304c\u306a",
          "\ud55c\uad6d\uc5b4", "\U0001F468\u200d\U0001F469\u200d\U0001F467", "\U0001F3F3\ufe0f\u200d\U0001F308",
          "\U0001F469\U0001F3FD\u200d\U0001F4BB", "\U0001F1EB\U0001F1F7", "e\u0301\u0323", "a\u0308\u0304",
          "\u0915\u094d\u0937", "\u200f\u05e9\u05dc\u05d5\u05dd\u200e", "\u202b\u0645\u0631\u062d\u0628\u0627\u202c",
          "\x01\x1f\x7f", "\x85\x9f", "\u00a0", "\u3000", "\u200b", "\ufeff", "\u2028", "\ufb01", "\uff21",
          "\u2163", "\U0001D400", "\U0010FFFF", "\ue000", "\u2014 \u201cquotes\u201d", "\u00fcn\u00efcode", "0123456789",
          "Human:", "Assistant:"]
line_free = [x for x in pieces if not any(c in x for c in "\t\r\n\x85\u2028")]  # one TSV field
def stress(lo, hi, choices=pieces):
    parts = [rng.choice(choices) if rng.random() < 0.6 else rng.choice(words) for _ in range(rng.randint(lo, hi))]
    return rng.choice(["", " ", "  "]) + " ".join(parts) + " word" + rng.choice(["", " ", "  "])
def one_space_off(x): return x[1:] if x.startswith(" ") else x  # responses lose one leading space (FORMAT.md)
with open("uni.jsonl", "w") as f, open("expected_uni.jsonl", "w") as e:
    for i in range(40):
        p, c, r = stress(2, 12), stress(2, 16), stress(2, 16)
        if i == 0: p = "Line one\n\nLine two \u2014 \u201cquotes\u201d \U0001F600 \u00fcn\u00efcode"
        f.write(json.dumps({"prompt": p, "chosen": c, "rejected": r}) + "\n")
        expect(e, p, one_space_off(c), one_space_off(r))
write_ultrafeedback("uni_ultrafeedback", 40, lambda: (stress(2, 12), stress(2, 16), stress(2, 16)), one_space_off)
rows = []
with open("expected_uni_sharegpt.jsonl", "w") as e:
    for i in range(40):
        q, a, b = stress(2, 12), stress(2, 16), stress(2, 16)
        rows.append({"conversations": [{"from": "human", "value": q}], "chosen": {"from": "gpt", "value": a},
                     "rejected": {"from": "gpt", "value": b}})
        expect(e, "Human: %s\n\nAssistant:" % q, one_space_off(a), one_space_off(b))
with open("uni_sharegpt.json", "w") as f:
    json.dump(rows, f, indent=1, ensure_ascii=False)
with open("uni_postedit.tsv", "w") as f, open("expected_uni_postedit.jsonl", "w") as e:
    f.write("S\tMT\tPE\n")
    for i in range(40):
        s, mt = stress(2, 12, line_free).strip(), stress(2, 12, line_free)
        pe = mt + " " + text(1, 4)
        f.write("%s\t%s\t%s\n" % (s, mt, pe))
        expect(e, s, one_space_off(pe), one_space_off(mt))
with open("spacechar.jsonl", "w") as f:  # U+2581, which SentencePiece decodes as a space
    f.write(json.dumps({"prompt": "a\u2581b", "chosen": "yes", "rejected": "no"}) + "\n")
EOF

# compare.py EXPORT EXPECTED: the export decodes back to exactly the expected texts (the tokenizer is
# lossless), pair ids in input order
cat >compare.py <<'EOF'
import json, sys
norm = lambda s: s
got = sorted((json.loads(l) for l in open(sys.argv[1])), key=lambda r: r["pair"])
want = [json.loads(l) for l in open(sys.argv[2])]
if len(got) != len(want): sys.exit("%d pairs exported, %d expected" % (len(got), len(want)))
for g, w in zip(got, want):
    for k in ("prompt", "chosen", "rejected"):
        if norm(g[k]) != norm(w[k]): sys.exit("pair %d %s: %r != %r" % (g["pair"], k, g[k], w[k]))
EOF

# prefixes.py PAIRS PREFIXES: the prefix lines obey the convention (data/FORMAT.md "Prefix pairs")
cat >prefixes.py <<'EOF'
import json, sys
norm = lambda s: " ".join(s.split())
pairs = {r["pair"]: r for r in map(json.loads, open(sys.argv[1]))}
seen, n = set(), 0
for line in open(sys.argv[2]):
    p = json.loads(line); n += 1
    full = pairs[p["pair"]]; L = p["prefix_len"]
    key = (p["pair"], L)
    if key in seen: sys.exit("prefix %r listed twice" % (key,))
    seen.add(key)
    if p["split"] != full["split"]: sys.exit("prefix %r: split differs from its pair's" % (key,))
    if not 1 <= L <= max(full["chosen_tokens"], full["rejected_tokens"]): sys.exit("prefix %r: length out of range" % (key,))
    for side in ("chosen", "rejected"):
        n_full = full[side + "_tokens"]
        if p[side + "_tokens"] != min(L, n_full): sys.exit("prefix %r %s: %d tokens, want %d" % (key, side, p[side + "_tokens"], min(L, n_full)))
        if p[side + "_eos"] != (L >= n_full): sys.exit("prefix %r %s: EOS %s, want %s" % (key, side, p[side + "_eos"], L >= n_full))
        if not norm(full[side]).startswith(norm(p[side + "_prefix"])): sys.exit("prefix %r %s: not a prefix of the response" % (key, side))
if n == 0: sys.exit("no prefix lines")
EOF

# counts.py PAIRS PREFIXES RATIO: per split, round(R x n) prefix lines (halves away from zero)
cat >counts.py <<'EOF'
import json, math, sys
from collections import Counter
pairs = Counter(json.loads(l)["split"] for l in open(sys.argv[1]))
prefixes = Counter(json.loads(l)["split"] for l in open(sys.argv[2]))
r = float(sys.argv[3])
for s in ("train", "valid", "test"):
    want = int(math.floor(r * pairs[s] + 0.5))
    if prefixes[s] != want: sys.exit("%s: %d prefix pairs, want round(%g x %d) = %d" % (s, prefixes[s], r, pairs[s], want))
if pairs["valid"] == 0 or pairs["test"] == 0: sys.exit("a held-out split is empty: %r" % pairs)
EOF

# lengths.py EXPORT MAXLEN: prompt + longer response (EOS counted) within MAXLEN for every pair
cat >lengths.py <<'EOF'
import json, sys
m, n = int(sys.argv[2]), 0
for r in map(json.loads, open(sys.argv[1])):
    n += 1
    if r["prompt_tokens"] + max(r["chosen_tokens"], r["rejected_tokens"]) > m: sys.exit("pair %d is over %d" % (r["pair"], m))
if n == 0: sys.exit("no pairs")
EOF

# ---- help ----
for tool in tokenizer prepare expand inspect export; do
    run help data "$tool" --help
    check "data $tool --help" test "$(rc help)" = 0 -a -s help.out
done

# ---- tokenizer ----
# (byte fallback takes 256 of the vocabulary, the special pieces 4: 356 leaves 96 learned pieces)
run tok data tokenizer --input prefs.jsonl hh.jsonl.gz ultrafeedback.jsonl sharegpt.json postedit.tsv plain.txt \
    --vocab 356 --out tok.model
check "tokenizer trains on every format and plain text" test "$(rc tok)" = 0 -a -s tok.model
run tok2 data tokenizer --input prefs.jsonl hh.jsonl.gz ultrafeedback.jsonl sharegpt.json postedit.tsv plain.txt \
    --vocab 356 --out tok2.model
check "tokenizer is deterministic (same bytes for another output name)" cmp -s tok.model tok2.model
run tokbpe data tokenizer --input plain.txt --format text --vocab 360 --model-type bpe --out bpe.model
check "tokenizer --format text --model-type bpe" test "$(rc tokbpe)" = 0 -a -s bpe.model
run tokbig data tokenizer --input plain.txt --vocab 100000 --out big.model
check "tokenizer: too large a vocabulary fails with a message, no model" \
    test "$(rc tokbig)" != 0 -a ! -e big.model -a -s tokbig.err
run toknone data tokenizer --input missing.jsonl --vocab 100 --out none.model
check "tokenizer: a missing input is named" grep -q "missing.jsonl" toknone.err

# ---- prepare each format and check the round trip ----
for f in jsonl:prefs.jsonl hh:hh.jsonl.gz ultrafeedback:ultrafeedback.jsonl sharegpt:sharegpt.json \
         postedit:postedit.tsv; do
    name=${f%%:*} file=${f#*:}
    run "prep_$name" data prepare --input "$file" --tokenizer tok.model --out "$name.h5" --seed 3
    check "prepare $name (format detected)" test "$(rc "prep_$name")" = 0 -a -s "$name.h5"
    run "exp_$name" data export "$name.h5" --tokenizer tok.model
    check "export $name decodes back to the input texts" $PY compare.py "exp_$name.out" "expected_$name.jsonl"
    run "prepf_$name" data prepare --format "$name" --input "$file" --tokenizer tok.model --out "${name}_f.h5" --seed 3
    check "prepare --format $name gives the same file as detection" cmp -s "$name.h5" "${name}_f.h5"
done
run prep_multi data prepare --input prefs.jsonl ultrafeedback.jsonl --tokenizer tok.model --out multi.h5
run exp_multi data export multi.h5 --tokenizer tok.model
cat expected_jsonl.jsonl expected_ultrafeedback.jsonl >expected_multi.jsonl
check "prepare of two inputs keeps them in order" $PY compare.py exp_multi.out expected_multi.jsonl

# ---- lossless text ----
check "tokenizer: lossless settings by default, printed from the model" grep -q "settings: unigram vocab 356 .*byte_fallback on normalization identity remove_extra_whitespaces off add_dummy_prefix off whitespace_only_pieces on split_digits on user_symbols \"\" trained_by rgtg (lossless settings)" tok.out
for name in jsonl hh ultrafeedback sharegpt postedit; do
    check "prepare $name: lossless text required, every row round-trips exactly" eval \
        "grep -q '^  round trip (lossless text required):' prep_$name.out && grep -Eq '^    [^ ]+: [1-9][0-9]* rows, 0 do not round-trip exactly, 0 unknown pieces' prep_$name.out"
done
for t in instruction:Instruction:,Response:; do
    run "tokt_${t%%:*}" data tokenizer --input plain.txt --vocab 300 --template "${t%%:*}" --out "tok_${t%%:*}.model"
    check "tokenizer --template ${t%%:*}: its markers are user symbols" grep -q "user_symbols \"${t#*:}\"" "tokt_${t%%:*}.out"
done
run toklegacy data tokenizer --input prefs.jsonl --vocab 70 --no-byte-fallback --normalization nmt_nfkc \
    --remove-extra-whitespaces --add-dummy-prefix --no-whitespace-pieces --no-split-digits --user-symbols "Q:,A:" \
    --out legacy.model
check "tokenizer: every setting can be changed, and the model records it" grep -q 'byte_fallback off normalization nmt_nfkc remove_extra_whitespaces on add_dummy_prefix on whitespace_only_pieces off split_digits off user_symbols "Q:,A:" trained_by rgtg (lossy settings)' toklegacy.out
run toklossy data tokenizer --input prefs.jsonl --vocab 70 --lossy-legacy --out lossy.model
check "tokenizer --lossy-legacy: SentencePiece's old settings, recorded" grep -q 'byte_fallback off normalization nmt_nfkc remove_extra_whitespaces on .* (lossy settings)' toklossy.out
# tok.model (stress characters through byte fallback) on every format; on one, also a tokenizer that
# has seen the stress text (its characters are pieces, its markers user symbols)
run tokuni data tokenizer --input uni.jsonl uni_ultrafeedback.jsonl uni_sharegpt.json uni_postedit.tsv \
    --vocab 420 --template human-assistant --out uni.model
check "tokenizer trains on the Unicode stress rows" test "$(rc tokuni)" = 0 -a -s uni.model
check "tokenizer --template human-assistant: its markers are user symbols" grep -q 'user_symbols "Human:,Assistant:"' tokuni.out
for f in uni:uni.jsonl uni_ultrafeedback:uni_ultrafeedback.jsonl uni_sharegpt:uni_sharegpt.json \
         uni_postedit:uni_postedit.tsv; do
    name=${f%%:*} file=${f#*:}
    models=tok
    [ "$name" = uni ] && models="tok uni"
    for model in $models; do
        run "prep_${name}_$model" data prepare --input "$file" --tokenizer "$model.model" --out "${name}_$model.h5"
        check "prepare $name ($model.model): 40 rows, 0 do not round-trip, 0 unknown pieces" \
            grep -q "^    $file: 40 rows, 0 do not round-trip exactly, 0 unknown pieces" "prep_${name}_$model.out"
        run "exp_${name}_$model" data export "${name}_$model.h5" --tokenizer "$model.model"
        check "export $name ($model.model) gives back every text byte for byte" \
            $PY compare.py "exp_${name}_$model.out" "expected_$name.jsonl"
    done
done
check "newlines are byte pieces <0x0A> (id 14) in the token ids, and come back from them" $PY -c "
import h5py, json, sys
ids = h5py.File('uni_tok.h5')['prompt/tokens'][:].tolist()
first = json.loads(open('exp_uni_tok.out').readline())
sys.exit(14 not in ids or '\n\n' not in first['prompt'])"
run insp_uni data inspect uni_uni.h5 --tokenizer uni.model --examples 0
check "inspect shows the tokenizer's settings" \
    grep -q "^  unigram vocab 420 .*byte_fallback on normalization identity .*user_symbols \"Human:,Assistant:\"" insp_uni.out
check "inspect shows the round trip per source file" \
    grep -q "^  uni.jsonl: 40 rows, 0 do not round-trip exactly, 0 unknown pieces" insp_uni.out
check "inspect shows that lossless text was required" grep -q 'lossless=required' insp_uni.out
run prep_legacy data prepare --input uni.jsonl --tokenizer legacy.model --out uni_legacy.h5
check "a lossy tokenizer: its losses are counted per file, the file written" \
    grep -Eq "^    uni.jsonl: 40 rows, [1-9][0-9]* do not round-trip exactly, [1-9][0-9]* unknown pieces" prep_legacy.out
run insp_legacy data inspect uni_legacy.h5 --tokenizer legacy.model --examples 0
check "inspect shows a lossy tokenizer's counts" \
    grep -Eq "^  uni.jsonl: 40 rows, [1-9][0-9]* do not round-trip exactly, [1-9][0-9]* unknown pieces" insp_legacy.out
run prep_space data prepare --input spacechar.jsonl --tokenizer tok.model --out spacechar.h5 --allow-lossy
check "--allow-lossy keeps and counts a row the tokenizer cannot give back (U+2581)" \
    grep -q "spacechar.jsonl: 1 rows, 1 do not round-trip exactly, 0 unknown pieces" prep_space.out

# ---- drops, inspect, attributes ----
check "identical and empty responses are dropped and counted" \
    grep -q "dropped: empty_response 1 identical_responses 1" prep_jsonl.out
run insp data inspect jsonl.h5 --tokenizer tok.model --examples 2
check "inspect runs" test "$(rc insp)" = 0
check "inspect shows the drop counts" grep -q "dropped: empty_response 1 identical_responses 1" insp.out
check "inspect shows rows read and kept" grep -q "rows: 240 read, 238 kept" insp.out
check "inspect shows length percentiles" grep -Eq "^  chosen +p50 [0-9]+ +p90 [0-9]+ +p99 [0-9]+ +max [0-9]+" insp.out
check "inspect shows decoded examples" grep -q "pair 1 (" insp.out
tok_sha=$(sha256sum tok.model | cut -d' ' -f1) src_sha=$(sha256sum prefs.jsonl | cut -d' ' -f1)
check "tokenizer_sha256 attribute is the model's sha256" grep -q "tokenizer_sha256  $tok_sha" insp.out
check "source_sha256 attribute is the input's sha256" grep -q "$src_sha" insp.out
check "inspect: splits add up" $PY -c "
import re,sys; t=open('insp.out').read(); m=re.search(r'splits: train (\d+) valid (\d+) test (\d+)', t)
sys.exit(not m or sum(map(int, m.groups())) != 238)"
cp tok.model tokenizer.model
run insp2 data inspect jsonl.h5 --examples 1
check "inspect finds tokenizer.model beside the file" grep -q "pair 0 (" insp2.out

# ---- expansion and the prefix convention ----
cp jsonl.h5 jsonl_x.h5
run expand data expand --in jsonl_x.h5 --ratio 2 --seed 5
check "expand --ratio 2" test "$(rc expand)" = 0
run pairs data export jsonl_x.h5 --tokenizer tok.model
run prefixes data export jsonl_x.h5 --tokenizer tok.model --prefixes
check "expansion: round(2 x n) prefix pairs per split" $PY counts.py pairs.out prefixes.out 2
check "export --prefixes obeys the prefix convention" $PY prefixes.py pairs.out prefixes.out
run expand15 data expand --in jsonl_x.h5 --ratio 1.5 --seed 5
run prefixes15 data export jsonl_x.h5 --tokenizer tok.model --prefixes
check "expansion: round(1.5 x n) per split (replaces the old index)" $PY counts.py pairs.out prefixes15.out 1.5
run expandall data expand --in jsonl_x.h5 --ratio all
run prefixesall data export jsonl_x.h5 --tokenizer tok.model --prefixes
check "expansion --ratio all lists every prefix" $PY -c "
import json,sys; n=sum(max(r['chosen_tokens'],r['rejected_tokens']) for r in map(json.loads,open('pairs.out')))
sys.exit(n == 0 or sum(1 for _ in open('prefixesall.out')) != n)"
run insp_x data inspect jsonl_x.h5 --examples 0
check "inspect shows prefix pairs per split" grep -Eq "^  valid [0-9]+ prefix pairs" insp_x.out
run exp_split data export jsonl_x.h5 --tokenizer tok.model --split valid --limit 3 --out valid.jsonl
check "export --split --limit --out" test "$(rc exp_split)" = 0 -a "$(wc -l <valid.jsonl)" = 3 -a ! -s exp_split.out
check "export --split keeps only that split" $PY -c "
import json,sys; sys.exit(any(json.loads(l)['split'] != 'valid' for l in open('valid.jsonl')))"

# ---- determinism ----
run det1 data prepare --input hh.jsonl.gz --tokenizer tok.model --out det1.h5 --seed 11
run det2 data prepare --input hh.jsonl.gz --tokenizer tok.model --out det2.h5 --seed 11
check "prepare: same input and seed, same bytes" cmp -s det1.h5 det2.h5
run det3 data expand --in det1.h5 --ratio 2 --seed 4
sleep 1 # HDF5 object timestamps would show up as differing bytes
run det4 data expand --in det2.h5 --ratio 2 --seed 4
check "expand: same file and seed, same bytes" cmp -s det1.h5 det2.h5
run det5 data prepare --input hh.jsonl.gz --tokenizer tok.model --out det5.h5 --seed 12
check "prepare: another seed gives other splits" eval "test -s det5.h5 -a -s det2.h5 && ! cmp -s det5.h5 det2.h5"

# ---- truncation, limit, splits ----
run tdrop data prepare --input prefs.jsonl --tokenizer tok.model --out tdrop.h5 --max-len 24 --truncate drop
run tdrop_x data export tdrop.h5 --tokenizer tok.model
check "--truncate drop: every kept pair fits --max-len" $PY lengths.py tdrop_x.out 24
check "--truncate drop: dropped rows counted as over_max_len" grep -Eq "over_max_len [1-9]" tdrop.out
for policy in left right; do
    run "t$policy" data prepare --input prefs.jsonl --tokenizer tok.model --out "t$policy.h5" --max-len 24 \
        --truncate $policy
    run "t${policy}_x" data export "t$policy.h5" --tokenizer tok.model
    check "--truncate $policy: every pair fits --max-len" $PY lengths.py "t${policy}_x.out" 24
    check "--truncate $policy keeps more pairs than drop" \
        test "$(wc -l <"t${policy}_x.out")" -gt "$(wc -l <tdrop_x.out)"
done
run limit data prepare --input prefs.jsonl --tokenizer tok.model --out limit.h5 --limit 10
check "--limit 10 keeps 10 pairs" grep -q "10 pairs kept" limit.out
run alltrain data prepare --input prefs.jsonl --tokenizer tok.model --out alltrain.h5 --split 1,0,0
check "--split 1,0,0 puts every pair in train" grep -q "(train 238, valid 0, test 0)" alltrain.out

# ---- bad inputs: one line naming the file, non-zero exit, no output ----
mkdir bad && cd bad || exit 1
head -n 2 ../prefs.jsonl >broken.jsonl
echo '{"prompt": "x", "chosen": "y", "rejected": }' >>broken.jsonl
sed -n 3,6p ../prefs.jsonl >>broken.jsonl
run broken data prepare --input broken.jsonl --tokenizer ../tok.model --out broken.h5
check "malformed JSON: FILE:LINE:COLUMN on stderr" grep -Eq "broken\.jsonl:3:[0-9]+" broken.err
check "malformed JSON: one line on stderr" test "$(wc -l <broken.err)" = 1
check "malformed JSON: non-zero exit, no output file" test "$(rc broken)" != 0 -a ! -e broken.h5
check "malformed JSON: no temporary file left" no_tmp_files .
run skip data prepare --input broken.jsonl --tokenizer ../tok.model --out skip.h5 --on-error skip
check "--on-error skip writes the file and prints the skipped count" \
    test "$(rc skip)" = 0 -a -s skip.h5 -a -n "$(grep 'malformed 1' skip.out)"
run skip_i data inspect skip.h5 --examples 0
check "--on-error skip: inspect shows the malformed count" grep -q "malformed 1" skip_i.out
head -c 2000 ../hh.jsonl.gz >truncated.jsonl.gz
run trunc data prepare --format hh --input truncated.jsonl.gz --tokenizer ../tok.model --out trunc.h5
check "truncated gzip: fails naming the file, no output" \
    test "$(rc trunc)" != 0 -a ! -e trunc.h5 -a -n "$(grep truncated.jsonl.gz trunc.err)"
run unknown data prepare --format nonsense --input ../prefs.jsonl --tokenizer ../tok.model --out unknown.h5
check "unknown format: fails, no output" test "$(rc unknown)" != 0 -a ! -e unknown.h5 -a -s unknown.err
run undetected data prepare --input ../plain.txt --tokenizer ../tok.model --out undetected.h5
check "undetectable format: fails naming the file" \
    test "$(rc undetected)" != 0 -a ! -e undetected.h5 -a -n "$(grep plain.txt undetected.err)"
run missing data prepare --input nowhere.jsonl --tokenizer ../tok.model --out missing.h5
check "missing input: fails naming the file" \
    test "$(rc missing)" != 0 -a ! -e missing.h5 -a -n "$(grep nowhere.jsonl missing.err)"
echo "this is not a sentencepiece model" >bad.model
run badtok data prepare --input ../prefs.jsonl --tokenizer bad.model --out badtok.h5
check "a tokenizer that fails to load: fails naming it, no output" \
    test "$(rc badtok)" != 0 -a ! -e badtok.h5 -a -n "$(grep bad.model badtok.err)"
run wrongtok data export ../jsonl.h5 --tokenizer ../bpe.model
check "export with another tokenizer than the file's: refused" \
    test "$(rc wrongtok)" != 0 -a -n "$(grep sha256 wrongtok.err)"
run noprefix data export ../jsonl.h5 --tokenizer ../tok.model --prefixes --out noprefix.jsonl
check "export --prefixes of an unexpanded file: fails, no output" test "$(rc noprefix)" != 0 -a ! -e noprefix.jsonl
run badratio data expand --in ../jsonl.h5 --ratio -1
check "expand: a bad ratio is refused" test "$(rc badratio)" != 0
run notfile data inspect broken.jsonl
check "inspect of a file that is not HDF5: fails naming it" \
    test "$(rc notfile)" != 0 -a -n "$(grep broken.jsonl notfile.err)"
for model in lossy; do
    run "req_$model" data prepare --input ../uni.jsonl --tokenizer "../$model.model" --out "req_$model.h5" --require-lossless
    check "--require-lossless, $model.model: one line naming FILE:LINE and the text, non-zero exit, no output" \
        test "$(rc "req_$model")" != 0 -a ! -e "req_$model.h5" -a "$(wc -l <"req_$model.err")" = 1 \
        -a -n "$(grep -E 'uni\.jsonl:1: the prompt does not survive the tokenizer: decode\(encode\(text\)\) differs from byte [0-9]+ \(U\+[0-9A-F]{4,}\), [0-9]+ unknown pieces? \(lossless text is required' "req_$model.err")"
done
run spacechar data prepare --input ../spacechar.jsonl --tokenizer ../tok.model --out spacechar.h5
check "rgtg's lossless tokenizer: a text it cannot give back is refused by default, naming U+2581" \
    test "$(rc spacechar)" != 0 -a ! -e spacechar.h5 -a -n "$(grep 'spacechar.jsonl:1: the prompt .*U+2581' spacechar.err)"
run both data prepare --input ../prefs.jsonl --tokenizer ../tok.model --out both.h5 --require-lossless --allow-lossy
check "--require-lossless with --allow-lossy is refused" test "$(rc both)" = 2 -a ! -e both.h5
run badnorm data tokenizer --input ../plain.txt --vocab 356 --normalization nfd --out badnorm.model
check "tokenizer: an unknown normalization is named, no model" \
    test "$(rc badnorm)" != 0 -a ! -e badnorm.model -a -n "$(grep '"nfd"' badnorm.err)"
run badsym data tokenizer --input ../plain.txt --vocab 356 --user-symbols "two words" --out badsym.model
check "tokenizer: a user symbol with a space is refused, no model" \
    test "$(rc badsym)" != 0 -a ! -e badsym.model -a -n "$(grep '"two words"' badsym.err)"
run smallvocab data tokenizer --input ../plain.txt --vocab 96 --out small.model
check "tokenizer: a vocabulary too small for byte fallback says so, no model" \
    test "$(rc smallvocab)" != 0 -a ! -e small.model -a -n "$(grep '256' smallvocab.err)"
run badtmpl data tokenizer --input ../plain.txt --vocab 356 --template nope --out badtmpl.model
check "tokenizer: an unknown template is named, no model" \
    test "$(rc badtmpl)" != 0 -a ! -e badtmpl.model -a -n "$(grep '"nope"' badtmpl.err)"
check "bad inputs left no temporary files" no_tmp_files .
cd ..

if [ "$failures" -ne 0 ]; then
    echo "test_data_cli: $failures failure(s)"
    exit 1
fi
echo "test_data_cli: all passed"
