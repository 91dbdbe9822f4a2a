#!/usr/bin/env python3
"""Writes the ML-1M catalog as attnrec JSON lines with ml-1m.txt's item ids.

ml-1m.txt renumbers the movies; ml-1m-sas-mapping/sas_to_original_items.txt
maps each of its ids to the MovieLens id whose title and genres are in
ml-1m-raw/movies.dat. Usage: catalog_from_movielens.py DATA_DIR > catalog.jsonl
"""
import json
import sys

data = sys.argv[1]
movies = {}
with open(f"{data}/ml-1m-raw/movies.dat", encoding="latin-1") as f:
    for line in f:
        mid, title, genres = line.rstrip("\n").split("::")
        movies[mid] = (title, [g.lower().replace("'", "").replace(" ", "-") for g in genres.split("|")])
with open(f"{data}/ml-1m-sas-mapping/sas_to_original_items.txt") as f:
    for line in f:
        sas, orig = line.split()
        title, tags = movies[orig]
        print(json.dumps({"id": sas, "title": title, "tags": tags}))
