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
    import ctypes
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

    class _MallInfo2(ctypes.Structure):  # glibc's struct mallinfo2 (every field a size_t)
        _fields_ = [(name, ctypes.c_size_t) for name in (
            "arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks", "fordblks",
            "keepcost")]

    def _memory_by_part(store) -> dict:
        """The server's memory, MB: resident (anonymous and file-backed), what glibc's malloc holds
        (in use, free but kept, mmapped blocks: Python's large objects, pandas), Python's small-object arenas,
        what Arrow's pool holds (Streamlit sends tables and charts as Arrow), what DuckDB's own jemalloc
        holds (allocated, resident) and, of that, what DuckDB's buffer manager counts."""
        status = {}
        with open("/proc/self/status", encoding="ascii") as lines:
            for line in lines:
                key, _, value = line.partition(":")
                if key in ("VmRSS", "RssAnon", "RssFile", "Threads"):
                    status[key] = int(value.split()[0])
        info = _LIBC.mallinfo2()
        with store.cursor() as cur:
            duck, duck_temp = cur.execute(
                "SELECT sum(memory_usage_bytes), sum(temporary_storage_bytes) FROM duckdb_memory()").fetchone()
        epoch, size = ctypes.c_uint64(1), ctypes.c_size_t(8)
        _JEMALLOC(b"epoch", ctypes.byref(epoch), ctypes.byref(size), ctypes.byref(epoch), 8)  # stats refreshed
        jemalloc = {}
        for name in ("allocated", "resident", "retained"):
            value, size = ctypes.c_size_t(0), ctypes.c_size_t(8)
            _JEMALLOC(f"stats.{name}".encode(), ctypes.byref(value), ctypes.byref(size), None, 0)
            jemalloc[name] = value.value
        pymalloc = _pymalloc_arenas()
        pool = sys.modules.get("pyarrow") and sys.modules["pyarrow"].default_memory_pool()
        mb = 1 / 2**20
        return {"pymalloc": pymalloc * mb, "arrow": (pool.bytes_allocated() if pool else 0) * mb,
                "arrow_peak": (pool.max_memory() if pool else 0) * mb, "kind": "mem", "t": time.time(), "rss": status["VmRSS"] / 1024, "anon": status["RssAnon"] / 1024,
                "file": status["RssFile"] / 1024, "threads": status["Threads"],
                "malloc_used": (info.uordblks + info.hblkhd) * mb, "malloc_free": info.fordblks * mb,
                "malloc_mmapped": info.hblkhd * mb, "duckdb": int(duck) * mb,
                "jemalloc_used": jemalloc["allocated"] * mb, "jemalloc_resident": jemalloc["resident"] * mb, "duckdb_spilled": int(duck_temp) * mb}

    def _pymalloc_arenas() -> int:
        """Bytes of Python's small-object arenas (pymalloc maps them itself: not in malloc's figures),
        from the interpreter's own statistics (sys._debugmallocstats, written to a file)."""
        stats_file = _LOG + ".pymalloc"
        out = _LIBC.fopen(stats_file.encode(), b"w")
        ctypes.pythonapi._PyObject_DebugMallocStats(out)
        _LIBC.fclose(out)
        with open(stats_file, encoding="ascii") as stats:
            for line in stats:
                if "bytes/arena" in line:  # "3 arenas * 1048576 bytes/arena = 3,145,728"
                    return int(line.split("=")[1].replace(",", ""))
        return 0

    def _sample_memory() -> None:
        """Every half second, the server's memory by part (a `mem` line), once the app's store is open:
        which part makes the peak RSS?"""
        import gc
        while True:
            store_class = getattr(sys.modules.get("chargeboard.store"), "Store", None)
            stores = [o for o in gc.get_objects() if isinstance(o, store_class)] if store_class else []
            if stores:
                break
            time.sleep(1)
        while True:
            try:
                _write(_memory_by_part(stores[0]))
            except Exception as error:  # (the store closed: the server is stopping)
                _write({"kind": "mem_error", "t": time.time(), "error": str(error)})
                return
            time.sleep(0.5)

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
    if os.environ.get("CHARGEBOARD_BENCH_TRACEMALLOC"):  # where the Python heap's memory was allocated
        import tracemalloc  # (slows the server: for attributing memory, not for its times)

        tracemalloc.start(40)

        def _dump_snapshots() -> None:
            """Every minute, what the Python heap holds, by allocation site (the last one kept)."""
            while True:
                time.sleep(60)
                tracemalloc.take_snapshot().dump(os.environ["CHARGEBOARD_BENCH_TRACEMALLOC"])

        threading.Thread(target=_dump_snapshots, daemon=True, name="bench-tracemalloc").start()
    if os.environ.get("CHARGEBOARD_BENCH_MEMORY"):
        _LIBC = ctypes.CDLL("libc.so.6")
        _LIBC.mallinfo2.restype = _MallInfo2
        _LIBC.fopen.restype, _LIBC.fopen.argtypes = ctypes.c_void_p, [ctypes.c_char_p, ctypes.c_char_p]
        _LIBC.fclose.argtypes = [ctypes.c_void_p]
        ctypes.pythonapi._PyObject_DebugMallocStats.argtypes = [ctypes.c_void_p]
        import duckdb  # noqa: F401  (its library carries the jemalloc DuckDB allocates with)
        _JEMALLOC = ctypes.CDLL(sys.modules["_duckdb"].__file__).duckdb_je_mallctl
        _JEMALLOC.argtypes = [ctypes.c_char_p, ctypes.c_void_p, ctypes.POINTER(ctypes.c_size_t), ctypes.c_void_p,
                              ctypes.c_size_t]
        threading.Thread(target=_sample_memory, daemon=True, name="bench-memory").start()
