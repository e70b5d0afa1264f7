"""Many threads at once: the native calls release the GIL, so they must be safe to overlap."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import List, Tuple

import gradreg
from gradreg import Actor, Command, Registration, Registry

from conftest import ALL_STEPS, NOW, walk


def test_validation_and_state_machine_from_many_threads() -> None:
    def work(i: int) -> Tuple[int, str, int]:
        b = gradreg.sample.basic_info()
        if i % 2:
            b.id_number = "3.20102E+17"
        reg = walk(Registration(f"r{i}"), ALL_STEPS)
        return i, reg.stage(NOW), len(b.problems())

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(work, range(64)))
    for i, stage, problems in results:
        assert stage == "authorized"
        assert (problems > 0) == bool(i % 2)


def test_one_registry_from_many_threads(tmp_path: "object") -> None:
    reg = Registry.open(str(tmp_path))
    grads = {}
    for i in range(40):
        b = gradreg.sample.basic_info()
        b.id_number = gradreg.sample.id_number("320102", "20040315", i, True)
        b.student_number = f"2022{i:06d}"
        grads[f"k{i:02d}"] = b
    reg.upload(grads, Actor.school_office("s"), NOW)

    def work(key: str) -> List[str]:
        b = grads[key]
        chsi = gradreg.ChsiAccount(
            name=b.name, id_number=b.id_number, student_record_bound=True, phone=b.phone, email=b.email
        )
        grad = Actor.graduate(b.id_number)
        stages = []
        for actor, command in [
            (Actor.chsi(), Command.update_chsi_account(chsi)),
            (grad, Command.login()),
            (grad, Command.confirm_basic_info()),
            (Actor.provincial_platform("p"), Command.report_destination(gradreg.sample.destination_data())),
            (grad, Command.confirm_destination()),
        ]:
            stages.append(reg.apply(key, actor, command, NOW).registration.stage(NOW))
        reg.statistics(NOW)
        return stages

    with ThreadPoolExecutor(max_workers=6) as pool:
        results = dict(zip(grads, pool.map(work, grads)))
    for key, stages in results.items():
        assert stages[-1] == "confirmed", key
    stats = reg.statistics(NOW)
    assert stats.by_stage == {"confirmed": 40}
    assert reg.check_audit().intact
    assert reg.check_audit().records == 40 * 6


def test_the_gil_is_released_during_bulk_work() -> None:
    """A Python thread keeps running while the core uploads a batch: the GIL is released."""
    import json
    import threading
    import time

    reg = Registry.in_memory()
    rows = []
    for i in range(1500):
        b = gradreg.sample.basic_info()
        b.id_number = gradreg.sample.id_number("320102", f"200401{1 + i // 100:02d}", i % 100, True)
        b.student_number = f"2022{i:06d}"
        rows.append([f"k{i}", b.to_dict()])
    body = json.dumps(rows)  # encoded beforehand, so the call below is native work only
    actor = Actor.school_office("s")._wire()
    ticks: List[float] = []
    stop = threading.Event()

    def spin() -> None:
        while not stop.is_set():
            ticks.append(time.perf_counter())

    t = threading.Thread(target=spin)
    t.start()
    try:
        time.sleep(0.01)
        start = time.perf_counter()
        out = reg._n.upload_batch(body, actor, NOW.isoformat(), False)
        end = time.perf_counter()
    finally:
        stop.set()
        t.join()
    assert all(r["result"] == "created" for r in json.loads(out))
    during = [x for x in ticks if start < x < end]
    # Holding the GIL, the core would leave the spinning thread at most a tick or two (the
    # interpreter's switch interval is 5 ms); released, the thread runs throughout.
    assert len(during) > 1000, (len(during), end - start)
