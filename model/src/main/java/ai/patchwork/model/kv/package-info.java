/** The key/value cache: fixed slots of fixed capacity, bound to one forward step at a time. */
package ai.patchwork.model.kv;
