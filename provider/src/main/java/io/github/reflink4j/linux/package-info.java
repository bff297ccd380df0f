/**
 * Internal: the Linux system calls reflink4j uses, bound through jnr-ffi. Only the engine uses
 * this package; it is exported by the module only because jnr-ffi's generated bindings live in
 * an unnamed module. Not API: it may change in any release.
 */
package io.github.reflink4j.linux;
