/**
 * Internal: the copy engine every entry point of reflink4j calls (the {@code Reflink} facade,
 * the file system provider and the command line). Not exported by the module; not API.
 */
package io.github.reflink4j.engine;
