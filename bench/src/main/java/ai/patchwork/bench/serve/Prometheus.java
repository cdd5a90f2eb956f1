package ai.patchwork.bench.serve;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalDouble;

/**
 * A scrape of the server's {@code /actuator/prometheus} (the text exposition format): the samples of a metric, with
 * their labels as written, to read the server's own timers and gauges after a phase of the benchmark.
 */
final class Prometheus {

    /** One sample line: {@code name{labels} value}; labels empty when the line has none. */
    record Sample(String name, String labels, double value) {}

    private final List<Sample> samples;

    Prometheus(List<Sample> samples) {
        this.samples = List.copyOf(samples);
    }

    /** Scrapes the server on {@code port} with an admin key (the endpoint is for operators). */
    static Prometheus scrape(int port, String adminKey) {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/actuator/prometheus"))
                .timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + adminKey)
                .build();
        try (HttpClient http = HttpClient.newHttpClient()) {
            HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200)
                throw new IllegalStateException("/actuator/prometheus answered " + r.statusCode() + ": " + r.body());
            return parse(r.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** The samples of an exposition text; comment lines and unparsable values are skipped. */
    static Prometheus parse(String text) {
        List<Sample> out = new ArrayList<>();
        for (String line : text.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) continue;
            int brace = line.indexOf('{');
            int space = brace < 0 ? line.indexOf(' ') : line.indexOf(' ', line.lastIndexOf('}'));
            if (space < 0) continue;
            String name = line.substring(0, brace < 0 ? space : brace);
            String labels = brace < 0 ? "" : line.substring(brace + 1, line.lastIndexOf('}'));
            String value = line.substring(space + 1).trim().split(" ")[0];
            try {
                out.add(new Sample(name, labels, Double.parseDouble(value)));
            } catch (NumberFormatException e) {
                // not a sample
            }
        }
        return new Prometheus(out);
    }

    /**
     * The sum of the samples of {@code name} whose labels contain each of {@code labels} (e.g. {@code
     * quantile="0.95"}; empty for all), or empty when there is none.
     */
    OptionalDouble sum(String name, String... labels) {
        List<Sample> hits =
                samples.stream().filter(s -> matches(s, name, labels)).toList();
        return hits.isEmpty()
                ? OptionalDouble.empty()
                : OptionalDouble.of(hits.stream().mapToDouble(Sample::value).sum());
    }

    /** Like {@link #sum}, the largest sample instead (for a quantile or a maximum over several series). */
    OptionalDouble max(String name, String... labels) {
        return samples.stream()
                .filter(s -> matches(s, name, labels))
                .mapToDouble(Sample::value)
                .max();
    }

    private static boolean matches(Sample s, String name, String... labels) {
        if (!s.name().equals(name)) return false;
        for (String label : labels) if (!s.labels().contains(label)) return false;
        return true;
    }
}
