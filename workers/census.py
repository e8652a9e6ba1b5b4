"""Importing an ONS Census 2021 ward-level table (by age or by sex) uploaded by an
administrator: the job reads the file and reports in its Task row."""

from __future__ import annotations

from models import Task
from models.voting.representation import import_census
from workers.imports import run_task
from workers.registry import job


class CensusReport(dict):
    def as_dict(self) -> dict:
        return dict(self)


def _census(task: Task, path: str) -> CensusReport:
    with open(path, encoding="utf-8-sig", errors="replace", newline="") as handle:
        return CensusReport(import_census(handle.read()))


@job("low", timeout=1800)
def import_census_file(task_id: str, path: str) -> str:
    return run_task(task_id, path, _census)
