/** Settings shared by the fault tests (killed workers, stopped services). */
package ai.patchwork.testsupport.faults;
