package ai.patchwork.serving;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** A listener that keeps every event with its arrival time. */
final class Recorder implements GenerationListener {

    final List<TokenEvent> events = Collections.synchronizedList(new ArrayList<>());
    final List<Long> arrivals = Collections.synchronizedList(new ArrayList<>());
    final CountDownLatch first = new CountDownLatch(1);
    final CountDownLatch done = new CountDownLatch(1);
    volatile Throwable error;

    @Override
    public void onToken(TokenEvent event) {
        events.add(event);
        arrivals.add(System.nanoTime());
        first.countDown();
        if (event.last()) done.countDown();
    }

    @Override
    public void onError(Throwable e) {
        error = e;
        first.countDown();
        done.countDown();
    }

    boolean awaitFirst() throws InterruptedException {
        return first.await(20, TimeUnit.SECONDS);
    }

    int tokens() {
        synchronized (events) {
            return (int) events.stream().filter(e -> e.tokenId() >= 0).count();
        }
    }

    int[] tokenIds() {
        synchronized (events) {
            return events.stream()
                    .mapToInt(TokenEvent::tokenId)
                    .filter(i -> i >= 0)
                    .toArray();
        }
    }

    String text() {
        StringBuilder b = new StringBuilder();
        synchronized (events) {
            for (TokenEvent e : events) b.append(e.text());
        }
        return b.toString();
    }
}
