#!/usr/bin/env python3
"""Run a study config (thin wrapper over femngd.studies.run_study; same as `femngd study`).

    python scripts/run_study.py scripts/configs/h_convergence.toml --out results/h --workers 2
"""
from __future__ import annotations

import sys

from femngd.cli import main

if __name__ == "__main__":
    sys.exit(main(["study", *sys.argv[1:]]))
