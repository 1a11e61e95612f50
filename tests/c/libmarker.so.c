/* libmarker.so: a library that does nothing but exist, standing in for
 * whatever a user already has in LD_PRELOAD; envprobe looks its symbol up. */
int authbind_e2e_marker = 1;
