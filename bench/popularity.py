"""Popularity under attnrec's strict protocol, for a `user item` file or
JSON lines with "user" and "item" (attnrec demo-data's events.jsonl), each
user's interactions in time order.

Each user with >= 3 items: the last item is the test target, everything
before it the history, excluded from the ranking; items are ranked by how
often they occur in the training parts (all but the last two items of every
user), ties counted against the target. Prints one JSON line: full-ranking
NDCG@10 and HR@10 over the test users.
usage: python3 bench/popularity.py FILE   (bench/small, bench/million)
"""
import bisect
import json
import math
import sys
from collections import Counter, defaultdict

seqs = defaultdict(list)
with open(sys.argv[1]) as f:
    for line in f:
        if line.startswith("{"):
            e = json.loads(line)
            seqs[e["user"]].append(e["item"])
            continue
        parts = line.split()
        if len(parts) >= 2:
            seqs[parts[0]].append(parts[1])
count = Counter()
for s in seqs.values():
    count.update(s[:-2])
# Every item of the file is a candidate, also those never in a training part.
items = {i for s in seqs.values() for i in s}
neg = sorted(-count.get(i, 0) for i in items)  # ascending by -count
ndcg = hr = n = 0
for s in seqs.values():
    if len(s) < 3:
        continue
    target, history = s[-1], set(s[:-1])
    c = count.get(target, 0)
    above = bisect.bisect_right(neg, -c) - 1  # items counted at least as often, but the target
    above -= sum(1 for h in history if h != target and count.get(h, 0) >= c)
    n += 1
    if above < 10:
        hr += 1
        ndcg += 1 / math.log2(above + 2)
print(json.dumps({"users": n, "ndcg@10": ndcg / n, "hr@10": hr / n}))
