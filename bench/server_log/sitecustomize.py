"""The server's own time per script run, for bench/bench_load.py (never loaded by the app itself).

bench_load starts the server with this folder on PYTHONPATH and CHARGEBOARD_BENCH_RUN_LOG naming a
file. Python then imports this module at start-up; once Streamlit's session and script-runner modules
are loaded, it wraps three of their methods to write one JSON line for every rerun request a browser
session sends (when the server received it) and for every script run (when it started, when its first
figure — a KPI tile, chart, table, notice or expander of the main area, as browser_bench counts one — was
handed to the session's queue, and when it ended); and, in an app with chargeboard.warm, every
change of data, every round of the warmer, every login's own part (`web._login`, before its page)
and its password check (`accounts.check_login`, with the seconds its thread ran and waited for a CPU
while runnable, and the CPU the server and the whole machine used meanwhile: was a slow check
computing, starved or blocked? bench/cpu_by_policy.py tells who had the CPU). Times are the epoch (time.time), so the bench can
set them against its own clock. What browsers at idle priority add before they report a message to the
bench (their CPU is shared with eight of them) is then not in the figure.
"""

import os

if os.environ.get("CHARGEBOARD_BENCH_RUN_LOG"):
    import json
    import sys
    import threading
    import time

    from bench_figures import is_figure  # (this folder is on the server's path)

    _LOG = os.environ["CHARGEBOARD_BENCH_RUN_LOG"]
    _WRITE = threading.Lock()
    _RUN = threading.local()

    def _write(line: dict) -> None:
        with _WRITE, open(_LOG, "a", encoding="utf-8") as out:
            out.write(json.dumps(line) + "\n")

    def _schedstat() -> tuple[float, float]:
        """This thread's seconds on a CPU and seconds runnable but waiting for one (the kernel's schedstat)."""
        with open("/proc/thread-self/schedstat", encoding="ascii") as stat:
            ran_ns, queued_ns, _slices = stat.read().split()
        return int(ran_ns) / 1e9, int(queued_ns) / 1e9

    def _busy() -> float:
        """Seconds every CPU of the machine spent on anything but idling (/proc/stat, in ticks)."""
        with open("/proc/stat", encoding="ascii") as stat:
            user, nice, system, _idle, _iowait, irq, softirq, *_rest = map(int, stat.readline().split()[1:])
        return (user + nice + system + irq + softirq) / os.sysconf("SC_CLK_TCK")

    def _patch(app_session, script_runner) -> None:
        handle = app_session.AppSession.handle_backmsg

        def handle_backmsg(self, msg):
            if msg.WhichOneof("type") == "rerun_script":
                _write({"kind": "request", "session": self.id, "t": time.time()})
            return handle(self, msg)

        run = script_runner.ScriptRunner._run_script

        def _run_script(self, rerun_data):
            _RUN.line = {"kind": "run", "session": self._session_id, "start": time.time(), "first": None}
            try:
                return run(self, rerun_data)
            finally:
                line, _RUN.line = _RUN.line, None
                line["end"] = time.time()
                _write(line)

        enqueue = script_runner.ScriptRunner._enqueue_forward_msg

        def _enqueue_forward_msg(self, msg):
            line = getattr(_RUN, "line", None)
            if line is not None and line["first"] is None and is_figure(msg):
                line["first"] = time.time()
            return enqueue(self, msg)

        app_session.AppSession.handle_backmsg = handle_backmsg
        script_runner.ScriptRunner._run_script = _run_script
        script_runner.ScriptRunner._enqueue_forward_msg = _enqueue_forward_msg

    def _patch_warm(warm) -> None:
        """Log every change of data and every round of the app's warmer (chargeboard.warm)."""
        landing_results, start = warm.landing_results, warm.Warmer.start

        def logged_landing_results(*args, **kwargs):
            began = time.time()
            try:
                return landing_results(*args, **kwargs)
            finally:
                _write({"kind": "warm", "start": began, "end": time.time()})

        def logged_start(self):
            self.store.on_data_change(lambda: _write({"kind": "change", "t": time.time()}))
            return start(self)

        warm.landing_results = logged_landing_results
        warm.Warmer.start = logged_start
        while not hasattr(sys.modules.get("chargeboard.web"), "store"):  # (web.py imports warm at its top)
            time.sleep(0.02)
        web = sys.modules["chargeboard.web"]
        accounts = sys.modules["chargeboard.accounts"]
        login, check = web._login, accounts.check_login

        def logged_login():
            began = time.time()
            try:
                return login()
            finally:
                _write({"kind": "login_done", "start": began, "end": time.time(), "th": threading.get_ident()})

        def logged_check(*args, **kwargs):
            began, sched_before = time.time(), _schedstat()
            process_before, busy_before = time.process_time(), _busy()
            try:
                return check(*args, **kwargs)
            finally:
                ran, queued = (after - before for after, before in zip(_schedstat(), sched_before, strict=True))
                # On the CPU, waiting for one (runnable), and the rest asleep (a lock, the GIL, I/O):
                # which of the three a slow check spent its time in.
                _write({"kind": "check", "start": began, "end": time.time(), "th": threading.get_ident(),
                        "ran": ran, "queued": queued,
                        "server_cpu": time.process_time() - process_before, "machine_cpu": _busy() - busy_before})

        web._login = logged_login
        accounts.check_login = logged_check

    def _when_loaded() -> None:
        names = ("streamlit.runtime.app_session", "streamlit.runtime.scriptrunner.script_runner")
        while not all(hasattr(sys.modules.get(n), c) for n, c in zip(names, ("AppSession", "ScriptRunner"), strict=True)):
            time.sleep(0.02)
        _patch(*(sys.modules[n] for n in names))
        _write({"kind": "ready", "t": time.time()})
        for _wait in range(3000):  # a minute: an app without a warmer (a baseline) has none to log
            if hasattr(sys.modules.get("chargeboard.warm"), "Warmer"):
                _patch_warm(sys.modules["chargeboard.warm"])
                return
            time.sleep(0.02)

    threading.Thread(target=_when_loaded, daemon=True, name="bench-run-log").start()
