#!/usr/bin/env python3
"""Crash safety of Quarry under SIGKILL, measured: kills `quarry index`, a `quarry run` filling the LLM
response cache, and `quarry serve`, at random moments, and checks what each leaves behind.

  index      each trial builds SciFact's 5,183 documents into an index in one of three ways — a new index,
             --overwrite of a complete one, --append to one holding the first half — and is killed after a
             random time in [0, 1.2 × an uninterrupted build]. Then the target must be absent (a new index)
             or exactly the previous complete one, or (killed after the end) the finished one; --resume (or,
             with no resume point, the same command again) must finish; and the result must equal an
             uninterrupted build: the same document count and the same run file, byte for byte, for
             SciFact's 300 test topics.
  llm-cache  `quarry run --expander cot` against a slow OpenAI-compatible stub (Tests/Fixtures/llm_fault_server.py,
             0.3 s an answer), killed mid-batch: the SQLite cache must pass integrity_check and hold only whole
             entries (each a parseable response); running again must request only what is not cached and
             write the same run as an uninterrupted run.
  server     `quarry serve` under a stream of requests, killed, restarted on the same index: it must answer
             /health and give the same hits as before.

usage: crash.py --quarry BIN --corpora DIR [--work DIR] [--index-trials N] [--cache-trials N] [--server-trials N]
               [--seed S] [--json FILE]
Prints a line per trial and a summary; exits 1 when any trial fails.
"""
import argparse, json, os, random, shutil, signal, socket, sqlite3, subprocess, sys, time, urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


_print = print


def print(*args, **kw):
    """Prints, and keeps the line for the report."""
    _print(*args, **kw)
    if TRIALS is not None and kw.get("file") is None:
        TRIALS.log.append(" ".join(str(x) for x in args) + "\n")


TRIALS = None


def sh(args, env=None, check=True):
    r = subprocess.run(args, capture_output=True, text=True, env=env)
    if check and r.returncode != 0:
        raise RuntimeError("%s failed (%d): %s" % (" ".join(args[:3]), r.returncode, r.stderr.strip()[-400:]))
    return r


class Trials:
    def __init__(self, a):
        self.log = []
        self.a = a
        self.q = a.quarry
        self.work = a.work
        self.failures = []
        self.results = {}
        self.rng = random.Random(a.seed)
        self.env = dict(os.environ, QUARRY_COMMIT_EVERY="500", SWIFT_BACKTRACE="enable=no")
        sci = os.path.join(a.corpora, "scifact")
        self.collection = os.path.join(sci, "corpus.jsonl.gz")
        self.topics = os.path.join(sci, "topics.beir-v1.0.0-scifact.test.tsv.gz")

    def fail(self, what):
        self.failures.append(what)
        print("  FAIL: " + what, flush=True)

    def path(self, *p):
        return os.path.join(self.work, *p)

    def count(self, index):
        r = sh([self.q, "stats", "--index", index, "--json"], check=False)
        return json.loads(r.stdout)["documents"] if r.returncode == 0 else None

    def run_bytes(self, index, name):
        out = self.path(name + ".run")
        sh([self.q, "run", "--index", index, "--topics", self.topics, "--k", "100", "--output", out, "--tag", "crash"])
        with open(out, "rb") as f:
            return f.read()

    def index_cmd(self, collection, target, *extra):
        return [self.q, "index", "--collection", collection, "--format", "beir", "--index", target, "--threads", "2"] + list(extra)

    # --- quarry index -------------------------------------------------------------------------------
    def prepare_index(self):
        os.makedirs(self.work, exist_ok=True)
        # Two halves of SciFact as plain files (the append trials add the second to the first).
        import gzip
        with gzip.open(self.collection, "rt", encoding="utf-8") as f:
            docs = f.read().splitlines(keepends=True)
        self.full = self.path("scifact.jsonl")
        self.half1, self.half2 = self.path("half1.jsonl"), self.path("half2.jsonl")
        for p, part in [(self.full, docs), (self.half1, docs[:len(docs) // 2]), (self.half2, docs[len(docs) // 2:])]:
            with open(p, "w", encoding="utf-8") as f:
                f.writelines(part)
        self.ref = self.path("ref-full")
        self.prev = self.path("ref-half1")
        self.ref_append = self.path("ref-appended")
        for d in [self.ref, self.prev, self.ref_append]:
            shutil.rmtree(d, ignore_errors=True)
        t0 = time.time()
        sh(self.index_cmd(self.full, self.ref), env=self.env)
        self.build_seconds = time.time() - t0
        sh(self.index_cmd(self.half1, self.prev), env=self.env)
        shutil.copytree(self.prev, self.ref_append)
        t0 = time.time()
        sh(self.index_cmd(self.half2, self.ref_append, "--append"), env=self.env)
        self.append_seconds = time.time() - t0
        self.ref_count, self.ref_run = self.count(self.ref), self.run_bytes(self.ref, "ref")
        self.prev_count, self.prev_run = self.count(self.prev), self.run_bytes(self.prev, "prev")
        self.app_count, self.app_run = self.count(self.ref_append), self.run_bytes(self.ref_append, "appended")
        print("index: uninterrupted build %.1f s (%d docs), append %.1f s (%d + %d docs)" % (
            self.build_seconds, self.ref_count, self.append_seconds, self.prev_count, self.app_count - self.prev_count), flush=True)

    def index_trial(self, i, mode):
        target = self.path("trial")
        for p in [target, target + ".partial", target + ".old"]:
            shutil.rmtree(p, ignore_errors=True)
        if mode == "new":
            cmd, before, expected = self.index_cmd(self.full, target), None, (self.ref_count, self.ref_run)
            span = self.build_seconds
        elif mode == "overwrite":
            shutil.copytree(self.prev, target)
            cmd, before, expected = self.index_cmd(self.full, target, "--overwrite"), (self.prev_count, self.prev_run), (self.ref_count, self.ref_run)
            span = self.build_seconds
        else:
            shutil.copytree(self.prev, target)
            cmd, before, expected = self.index_cmd(self.half2, target, "--append"), (self.prev_count, self.prev_run), (self.app_count, self.app_run)
            span = self.append_seconds
        delay = self.rng.uniform(0, 1.2 * span)
        p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=self.env)
        try:
            p.wait(timeout=delay)
            killed = False
        except subprocess.TimeoutExpired:
            p.send_signal(signal.SIGKILL)
            p.wait()
            killed = True
        # What the kill left.
        n = self.count(target) if os.path.exists(target) else None
        if n is None:
            state = "absent"
            if before is not None:
                self.fail("trial %d (%s, killed at %.2f s): the previous index is gone" % (i, mode, delay))
        elif before is not None and n == before[0] and self.run_bytes(target, "after-kill") == before[1]:
            state = "previous"
        elif n == expected[0] and self.run_bytes(target, "after-kill") == expected[1]:
            state = "finished"
        else:
            state = "other (%s documents)" % n
            self.fail("trial %d (%s, killed at %.2f s): the index holds %s documents, neither the previous nor the finished index" % (i, mode, delay, n))
        # Finish the job.
        how = "done"
        if state != "finished":
            if os.path.exists(target + ".partial"):
                # An interrupted --overwrite resumes like a new build (the swap happens at its end).
                resume = [w for w in cmd if w != "--overwrite"] + ["--resume"]
                r = sh(resume if mode != "append" else cmd, env=self.env, check=False)
                how = "--resume"
                if r.returncode != 0 and "no resume point" in r.stderr:
                    shutil.rmtree(target + ".partial")
                    r = sh(cmd, env=self.env, check=False)
                    how = "again (no resume point)"
            else:
                r = sh(cmd, env=self.env, check=False)
                how = "again"
            if r.returncode != 0:
                self.fail("trial %d (%s): finishing with %s failed: %s" % (i, mode, how, r.stderr.strip()[-300:]))
                return state, how, False
        n = self.count(target)
        same = n == expected[0] and self.run_bytes(target, "final") == expected[1]
        leftovers = [s for s in [".partial", ".old"] if os.path.exists(target + s)]
        if not same:
            self.fail("trial %d (%s, killed at %.2f s): after %s the index differs from an uninterrupted build (%s documents)" % (i, mode, delay, how, n))
        if leftovers:
            self.fail("trial %d (%s): %s left behind" % (i, mode, ", ".join(leftovers)))
        print("trial %2d %-9s killed at %5.2f s%s: %-8s → %s → %s" % (
            i, mode, delay, "" if killed else " (had ended)", state, how, "same as uninterrupted" if same else "DIFFERENT"), flush=True)
        return state, how, same and not leftovers

    def index_trials(self, n):
        self.prepare_index()
        tally = {}
        ok = 0
        for i in range(n):
            mode = ["new", "overwrite", "append"][i % 3]
            state, how, good = self.index_trial(i + 1, mode)
            tally.setdefault(mode, {}).setdefault(state, 0)
            tally[mode][state] += 1
            ok += good
        self.results["index"] = {"trials": n, "passed": ok, "states": tally, "build_seconds": round(self.build_seconds, 2)}

    # --- the LLM cache -------------------------------------------------------------------------------
    def llm_trials(self, n):
        sample = os.path.join(ROOT, "corpora", "sample")
        index = self.path("sample-index")
        shutil.rmtree(index, ignore_errors=True)
        sh([self.q, "index", "--collection", os.path.join(sample, "documents.jsonl"), "--format", "beir", "--index", index])
        topics = os.path.join(sample, "topics.tsv")
        server = subprocess.Popen([sys.executable, os.path.join(ROOT, "Tests", "Fixtures", "llm_fault_server.py")], stdout=subprocess.PIPE,
                                  stderr=subprocess.DEVNULL, text=True)
        port = int(server.stdout.readline())
        try:
            def run(cache, mode, out):
                return [self.q, "run", "--index", index, "--topics", topics, "--expander", "cot",
                        "--set", "cot.baseURL=http://127.0.0.1:%d/%s/v1" % (port, mode), "--set", "cot.model=stub", "--llm-cache", cache,
                        "--llm-concurrency", "4", "--output", out, "--tag", "crash"]

            def requests(mode):
                with urllib.request.urlopen("http://127.0.0.1:%d/stats" % port) as r:
                    return json.load(r)["counts"].get(mode, 0)

            ref_cache = self.path("llm-ref")
            shutil.rmtree(ref_cache, ignore_errors=True)
            t0 = time.time()
            sh(run(ref_cache, "slowish-ref", self.path("llm-ref.run")))
            span = time.time() - t0
            with open(self.path("llm-ref.run"), "rb") as f:
                ref = f.read()
            topics_n = sum(1 for _ in open(topics))
            print("llm-cache: uninterrupted run %.1f s, %d topics, %d requests" % (span, topics_n, requests("slowish-ref")), flush=True)
            ok = 0
            for i in range(n):
                cache = self.path("llm-cache-trial")
                shutil.rmtree(cache, ignore_errors=True)
                mode = "slowish-t%d" % i
                delay = self.rng.uniform(0.1, span)
                p = subprocess.Popen(run(cache, mode, self.path("llm-trial.run")), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                try:
                    p.wait(timeout=delay)
                except subprocess.TimeoutExpired:
                    p.send_signal(signal.SIGKILL)
                    p.wait()
                good = True
                db_path = os.path.join(cache, "llm-cache.sqlite")
                entries = 0
                if os.path.exists(db_path):
                    db = sqlite3.connect(db_path)
                    check = db.execute("PRAGMA integrity_check").fetchone()[0]
                    rows = db.execute("SELECT key, endpoint, request, response FROM responses").fetchall()
                    db.close()
                    entries = len(rows)
                    # Whole: the key is the endpoint and the request, the request parses, and the
                    # response is the stub's complete answer to it ("echo: " + the prompt).
                    def whole_entry(key, endpoint, request, response):
                        try:
                            prompt = json.loads(request)["messages"][-1]["content"]
                        except (ValueError, KeyError, IndexError, TypeError):
                            return False
                        return key == endpoint + "\n" + request and response == "echo: " + prompt
                    whole = sum(1 for row in rows if whole_entry(*row))
                    if check != "ok" or whole != entries:
                        good = False
                        self.fail("cache trial %d: integrity_check %s, %d of %d entries whole" % (i + 1, check, whole, entries))
                before = requests(mode)
                r = sh(run(cache, mode, self.path("llm-trial.run")), check=False)
                asked = requests(mode) - before
                with open(self.path("llm-trial.run"), "rb") as f:
                    same = r.returncode == 0 and f.read() == ref
                if not same:
                    good = False
                    self.fail("cache trial %d: the run after the kill differs from an uninterrupted run (%s)" % (i + 1, r.stderr.strip()[-200:]))
                if asked != topics_n - entries:
                    good = False
                    self.fail("cache trial %d: %d entries cached, yet the second run asked %d of %d" % (i + 1, entries, asked, topics_n))
                ok += good
                print("cache trial %2d killed at %4.2f s: %2d whole entries, integrity ok, rerun asked %2d → %s" % (
                    i + 1, delay, entries, asked, "same run" if same else "DIFFERENT"), flush=True)
            self.results["llm-cache"] = {"trials": n, "passed": ok}
        finally:
            server.kill()

    # --- quarry serve ----------------------------------------------------------------------------------
    def server_trials(self, n):
        index = self.path("sample-index")
        if not os.path.exists(index):
            sh([self.q, "index", "--collection", os.path.join(ROOT, "corpora", "sample", "documents.jsonl"), "--format", "beir", "--index", index])

        def start():
            p = subprocess.Popen([self.q, "serve", "--index", index, "--port", "0"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
            line = p.stdout.readline()
            if not line.startswith("listening on http://127.0.0.1:"):
                raise RuntimeError("the server did not start: " + line)
            return p, line.strip().split("listening on ")[1]

        def search(url, query):
            req = urllib.request.Request(url + "/search", data=json.dumps({"query": query, "k": 10, "expander": "rm3"}).encode(),
                                         headers={"Content-Type": "application/json"})
            with urllib.request.urlopen(req, timeout=10) as r:
                return [h["docid"] for h in json.load(r)["hits"]]

        queries = ["glaciers valley", "honey bees", "lighthouse lens", "coffee roasting", "volcano lava"]
        p, url = start()
        expected = {q: search(url, q) for q in queries}
        ok = 0
        for i in range(n):
            # Requests in flight from another process while the server dies.
            load = subprocess.Popen([sys.executable, "-c", "import json,sys,urllib.request\n"
                                     "while True:\n  try:\n    urllib.request.urlopen(urllib.request.Request(sys.argv[1]+'/search',"
                                     "data=b'{\"query\": \"glaciers\", \"expander\": \"rm3\"}',headers={'Content-Type':'application/json'}),timeout=5).read()\n"
                                     "  except Exception: pass\n", url], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(self.rng.uniform(0.05, 0.5))
            p.send_signal(signal.SIGKILL)
            p.wait()
            load.kill()
            t0 = time.time()
            p, url = start()
            with urllib.request.urlopen(url + "/health", timeout=5) as r:
                healthy = json.load(r).get("documents", 0) > 0
            same = all(search(url, q) == expected[q] for q in queries)
            good = healthy and same
            if not good:
                self.fail("server trial %d: after a restart, health %s, same hits %s" % (i + 1, healthy, same))
            ok += good
            print("server trial %2d: killed under load, restarted in %.2f s, healthy, %s" % (
                i + 1, time.time() - t0, "same hits" if same else "DIFFERENT hits"), flush=True)
        p.kill()
        self.results["server"] = {"trials": n, "passed": ok}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quarry", required=True)
    ap.add_argument("--corpora", required=True)
    ap.add_argument("--work", default=os.path.join(os.environ.get("TMPDIR", "/tmp"), "quarry-crash"))
    ap.add_argument("--index-trials", type=int, default=60)
    ap.add_argument("--cache-trials", type=int, default=10)
    ap.add_argument("--server-trials", type=int, default=10)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--json")
    ap.add_argument("--report", help="write the trial lines and the summary as Markdown here")
    a = ap.parse_args()
    global TRIALS
    t = Trials(a)
    TRIALS = t
    if a.index_trials:
        t.index_trials(a.index_trials)
    if a.cache_trials:
        t.llm_trials(a.cache_trials)
    if a.server_trials:
        t.server_trials(a.server_trials)
    t.results["failures"] = t.failures
    if a.report:
        with open(a.report, "w") as f:
            f.write("# Crash safety under SIGKILL\n\nGenerated by `tools/reliability/crash.sh` (tools/reliability/crash.py, seed %d) on %s.\n"
                    "What each trial checks is in the script's docstring.\n\n```\n%s```\n\n```json\n%s\n```\n"
                    % (a.seed, time.strftime("%Y-%m-%d"), "".join(t.log), json.dumps(t.results, indent=1)))
    _print(json.dumps(t.results, indent=1))
    if a.json:
        with open(a.json, "w") as f:
            json.dump(t.results, f, indent=1)
    sys.exit(1 if t.failures else 0)


if __name__ == "__main__":
    main()
