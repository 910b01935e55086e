// Anserini's search phase timed the way `quarry bench search` times Quarry's: the index opened once
// (SimpleSearcher, the API Pyserini wraps), BM25 k1 0.9 b 0.4 (and RM3 10/10/0.5 with --rm3), untimed
// warm-up passes, then timed passes of batch_search over every topic. Prints one JSON object.
//
//   javac -cp anserini-0.21.0-fatjar.jar -d DIR AnseriniSearch.java
//   java -cp anserini-0.21.0-fatjar.jar:DIR AnseriniSearch --index DIR --topics FILE.tsv [--k 1000]
//        [--threads 1] [--warmup 1] [--passes 3] [--rm3] [--output RUN]
import io.anserini.search.SimpleSearcher;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

public class AnseriniSearch {
    public static void main(String[] args) throws IOException {
        String index = null, topics = null, output = null;
        int k = 1000, threads = 1, warmup = 1, passes = 3;
        boolean rm3 = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--index": index = args[++i]; break;
                case "--topics": topics = args[++i]; break;
                case "--output": output = args[++i]; break;
                case "--k": k = Integer.parseInt(args[++i]); break;
                case "--threads": threads = Integer.parseInt(args[++i]); break;
                case "--warmup": warmup = Integer.parseInt(args[++i]); break;
                case "--passes": passes = Integer.parseInt(args[++i]); break;
                case "--rm3": rm3 = true; break;
                default: fail("unknown argument " + args[i]);
            }
        }
        if (index == null || topics == null) fail("--index and --topics are required");
        if (k < 1 || threads < 1 || warmup < 0 || passes < 1) fail("--k, --threads, --passes must be at least 1, --warmup at least 0");

        // Topics: qid<TAB>text, one per line.
        List<String> qids = new ArrayList<>(), queries = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of(topics), StandardCharsets.UTF_8)) {
            if (line.isBlank()) continue;
            String[] parts = line.split("\t", 2);
            if (parts.length != 2) fail(topics + ": expected qid<TAB>text, got: " + line);
            qids.add(parts[0]);
            queries.add(parts[1]);
        }
        if (qids.isEmpty()) fail(topics + ": no topics");

        long opened = System.nanoTime();
        SimpleSearcher searcher = new SimpleSearcher(index);
        searcher.set_bm25(0.9f, 0.4f);
        if (rm3) searcher.set_rm3(10, 10, 0.5f);
        double openSeconds = (System.nanoTime() - opened) / 1e9;

        double[] warm = new double[warmup];
        for (int i = 0; i < warmup; i++) {
            long t = System.nanoTime();
            searcher.batch_search(queries, qids, k, threads);
            warm[i] = (System.nanoTime() - t) / 1e9;
        }
        double[] times = new double[passes];
        Map<String, SimpleSearcher.Result[]> last = null;
        for (int i = 0; i < passes; i++) {
            long t = System.nanoTime();
            last = searcher.batch_search(queries, qids, k, threads);
            times[i] = (System.nanoTime() - t) / 1e9;
        }
        int documents = searcher.get_total_num_docs();
        searcher.close();

        long hits = 0;
        for (SimpleSearcher.Result[] r : last.values()) hits += r.length;
        if (output != null) {
            try (BufferedWriter w = Files.newBufferedWriter(Path.of(output), StandardCharsets.UTF_8)) {
                for (String qid : qids) {
                    SimpleSearcher.Result[] rs = last.get(qid);
                    if (rs == null) continue;
                    for (int i = 0; i < rs.length; i++) {
                        w.write(qid + " Q0 " + rs[i].docid + " " + (i + 1) + " " + String.format("%.6f", rs[i].score) + " anserini\n");
                    }
                }
            }
        }

        double[] sorted = times.clone();
        Arrays.sort(sorted);
        double median = sorted.length % 2 == 1 ? sorted[sorted.length / 2] : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
        System.out.println("{\"engine\":\"anserini\",\"index\":" + quote(index) + ",\"documents\":" + documents
                + ",\"queries\":" + qids.size() + ",\"k\":" + k + ",\"threads\":" + threads
                + ",\"pipeline\":{\"model\":\"bm25(k1=0.9, b=0.4)\"" + (rm3 ? ",\"expander\":\"rm3(fbDocs=10, fbTerms=10, originalQueryWeight=0.5)\"" : "") + "}"
                + ",\"openSeconds\":" + openSeconds + ",\"warmupSeconds\":" + Arrays.toString(warm)
                + ",\"passSeconds\":" + Arrays.toString(times) + ",\"medianSeconds\":" + median
                + ",\"queriesPerSecond\":" + (qids.size() / median) + ",\"hits\":" + hits + "}");
    }

    private static String quote(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    private static void fail(String message) {
        System.err.println("AnseriniSearch: " + message);
        System.exit(2);
    }
}
