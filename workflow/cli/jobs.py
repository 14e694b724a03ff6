"""CLI: ``dunning worker``, a background worker for the RQ queues on Redis, and the schedule."""

from __future__ import annotations

import logging

import click

from workflow.cli import cli_core, ensure_schema, help_text, say
from workflow.errors import invalid


def register(cli: click.Group) -> None:
    cli.add_command(worker)


@click.command("worker", help=help_text(
    "运行 Redis 队列上的后台任务（DUNNING_JOB_RUNNER=rq），直到收到 SIGTERM；正在运行的任务先做完。"
    "同一进程连续运行任务（不为每个任务派生子进程），LibreOffice 保持就绪。",
    "Run jobs from the Redis queues (DUNNING_JOB_RUNNER=rq) until SIGTERM; the current job finishes first. "
    "Jobs run one after another in this process (no fork per job), so LibreOffice stays warm."))
@click.option("--queues", default="mail,documents,dunning,inbox", show_default=True,
              help=help_text("要处理的队列，逗号分隔，按优先顺序", "comma-separated queues to work, in priority order"))
@click.option("--burst", is_flag=True,
              help=help_text("处理完当前已排队的任务后退出", "run what is queued now, then exit"))
@click.option("--with-schedule", is_flag=True,
              help=help_text("同时运行定时任务（每日催收运行、每分钟发送）；任意多个进程、主机同时运行也只执行一次；"
                             "配合 --burst：先检查一次定时任务，再处理已排队的任务",
                             "also tick the periodic schedule (the daily run, the minute sweep); safe on any number "
                             "of workers and hosts; with --burst: tick once, then run what is queued"))
@click.option("--name", default=None,
              help=help_text("此进程在 Redis 中的名称（默认随机）",
                             "the worker's name in Redis (default: a random one)"))
def worker(queues: str, burst: bool, with_schedule: bool, name: str | None) -> None:
    from workflow.jobs.queue import QUEUES
    from workflow.jobs.worker import run_worker

    core = cli_core()
    if core.settings.job_runner != "rq":
        raise invalid("DUNNING_JOB_RUNNER", "not_rq",
                      "后台任务当前在 dunning up 进程内直接运行（DUNNING_JOB_RUNNER=inline）：要使用后台任务进程，"
                      "请设置 DUNNING_JOB_RUNNER=rq 和 DUNNING_REDIS_URL",
                      "jobs run inside the dunning up process (DUNNING_JOB_RUNNER=inline): to use workers, set "
                      "DUNNING_JOB_RUNNER=rq and DUNNING_REDIS_URL")
    names = [q.strip() for q in queues.split(",") if q.strip()]
    unknown = [q for q in names if q not in QUEUES]
    if unknown or not names:
        raise invalid("--queues", "unknown_queue",
                      f"未知的队列：{'、'.join(unknown) or '（空）'}；可用：{'、'.join(QUEUES)}",
                      f"unknown queue: {', '.join(unknown) or '(none)'}; queues: {', '.join(QUEUES)}")
    ensure_schema()
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    click.echo(say(f"后台任务进程：队列 {', '.join(names)}" + ("，并运行定时任务" if with_schedule else ""),
                   f"worker: queues {', '.join(names)}" + (", with the schedule" if with_schedule else "")),
               err=True)
    run_worker(core, names, burst=burst, name=name, with_schedule=with_schedule)
