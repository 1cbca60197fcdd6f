// Clang thread-safety annotations (-Wthread-safety), empty on other compilers.
// Internal to conduit, but usable by users who annotate their own code around conduit locks.
#ifndef CONDUIT_INTERNAL_THREAD_ANNOTATIONS_HPP
#define CONDUIT_INTERNAL_THREAD_ANNOTATIONS_HPP

#if defined(__clang__)
#define CONDUIT_TSA(x) __attribute__((x))
#else
#define CONDUIT_TSA(x)
#endif

#define CONDUIT_CAPABILITY(x) CONDUIT_TSA(capability(x))
#define CONDUIT_SCOPED_CAPABILITY CONDUIT_TSA(scoped_lockable)
#define CONDUIT_GUARDED_BY(x) CONDUIT_TSA(guarded_by(x))
#define CONDUIT_PT_GUARDED_BY(x) CONDUIT_TSA(pt_guarded_by(x))
#define CONDUIT_ACQUIRED_BEFORE(...) CONDUIT_TSA(acquired_before(__VA_ARGS__))
#define CONDUIT_ACQUIRED_AFTER(...) CONDUIT_TSA(acquired_after(__VA_ARGS__))
#define CONDUIT_REQUIRES(...) CONDUIT_TSA(requires_capability(__VA_ARGS__))
#define CONDUIT_REQUIRES_SHARED(...) CONDUIT_TSA(requires_shared_capability(__VA_ARGS__))
#define CONDUIT_ACQUIRE(...) CONDUIT_TSA(acquire_capability(__VA_ARGS__))
#define CONDUIT_ACQUIRE_SHARED(...) CONDUIT_TSA(acquire_shared_capability(__VA_ARGS__))
#define CONDUIT_RELEASE(...) CONDUIT_TSA(release_capability(__VA_ARGS__))
#define CONDUIT_RELEASE_SHARED(...) CONDUIT_TSA(release_shared_capability(__VA_ARGS__))
#define CONDUIT_RELEASE_GENERIC(...) CONDUIT_TSA(release_generic_capability(__VA_ARGS__))
#define CONDUIT_TRY_ACQUIRE(...) CONDUIT_TSA(try_acquire_capability(__VA_ARGS__))
#define CONDUIT_TRY_ACQUIRE_SHARED(...) CONDUIT_TSA(try_acquire_shared_capability(__VA_ARGS__))
#define CONDUIT_EXCLUDES(...) CONDUIT_TSA(locks_excluded(__VA_ARGS__))
#define CONDUIT_ASSERT_CAPABILITY(x) CONDUIT_TSA(assert_capability(x))
#define CONDUIT_RETURN_CAPABILITY(x) CONDUIT_TSA(lock_returned(x))
#define CONDUIT_NO_THREAD_SAFETY_ANALYSIS CONDUIT_TSA(no_thread_safety_analysis)

#endif  // CONDUIT_INTERNAL_THREAD_ANNOTATIONS_HPP
