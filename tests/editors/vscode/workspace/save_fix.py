"""Counts with a pool started at import time: `editor.codeActionsOnSave` fixes it on save."""

from multiprocessing import Pool

with Pool(2) as pool:
    print(pool.map(abs, [-1, -2, -3]))
