package ai.patchwork.api.web;

import ai.patchwork.registry.Page;
import java.util.List;
import java.util.function.Function;

/**
 * OpenAI's cursor-paged list: {@code {"object": "list", "data": [...], "has_more", "first_id", "last_id"}}. The SDKs
 * fetch the next page with {@code after=<last_id>} while {@code has_more} is true.
 *
 * @param object always {@code list}
 * @param data the items, each with an {@code id}
 * @param hasMore whether another page follows
 * @param firstId id of the first item, or null when empty
 * @param lastId id of the last item, or null when empty
 */
public record ListPage<T>(String object, List<T> data, boolean hasMore, String firstId, String lastId) {

    public ListPage {
        data = List.copyOf(data);
    }

    /** A page of {@code data}, whose ids {@code id} extracts. */
    public static <T> ListPage<T> of(List<T> data, boolean hasMore, Function<T, String> id) {
        return new ListPage<>(
                "list",
                data,
                hasMore,
                data.isEmpty() ? null : id.apply(data.getFirst()),
                data.isEmpty() ? null : id.apply(data.getLast()));
    }

    /** A page of the platform's {@code page}, each item shown as {@code view} makes it, whose ids {@code id} extracts. */
    public static <S, T> ListPage<T> of(Page<S> page, Function<? super S, T> view, Function<T, String> id) {
        return of(page.data().stream().<T>map(view).toList(), page.hasMore(), id);
    }
}
