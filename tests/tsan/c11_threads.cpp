// ThreadSanitizer builds only: C11 threads, mutexes and condition variables as the POSIX calls
// TSan intercepts. librdkafka makes its threads with thrd_create and locks with mtx_lock; glibc
// implements those without going through pthread_create and pthread_mutex_lock, so GCC 12's TSan
// runtime never sets its state up for those threads (their first allocation crashes it) and never
// sees librdkafka's locks. Defined in the executable, these come before libc's for librdkafka.
// mtx_t and cnd_t are glibc's pthread_mutex_t and pthread_cond_t in size and layout.

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <pthread.h>
#include <threads.h>

namespace {

struct thread_start {
  thrd_start_t function;
  void* argument;
};

void* run(void* start) {
  auto s = *static_cast<thread_start*>(start);
  std::free(start);
  return reinterpret_cast<void*>(static_cast<std::intptr_t>(s.function(s.argument)));
}

int result(int posix_error, int timed_out = thrd_error) {
  if (posix_error == 0)
    return thrd_success;
  if (posix_error == ETIMEDOUT)
    return timed_out;
  if (posix_error == EBUSY)
    return thrd_busy;
  return posix_error == ENOMEM || posix_error == EAGAIN ? thrd_nomem : thrd_error;
}

pthread_mutex_t* posix(mtx_t* m) { return reinterpret_cast<pthread_mutex_t*>(m); }
pthread_cond_t* posix(cnd_t* c) { return reinterpret_cast<pthread_cond_t*>(c); }

}  // namespace

extern "C" {

int thrd_create(thrd_t* thread, thrd_start_t function, void* argument) {
  auto* start = static_cast<thread_start*>(std::malloc(sizeof(thread_start)));
  if (start == nullptr)
    return thrd_nomem;
  *start = {function, argument};
  int error = pthread_create(reinterpret_cast<pthread_t*>(thread), nullptr, run, start);
  if (error != 0)
    std::free(start);
  return result(error);
}

int thrd_join(thrd_t thread, int* code) {
  void* returned = nullptr;
  int error = pthread_join(static_cast<pthread_t>(thread), &returned);
  if (error == 0 && code != nullptr)
    *code = static_cast<int>(reinterpret_cast<std::intptr_t>(returned));
  return result(error);
}

int thrd_detach(thrd_t thread) { return result(pthread_detach(static_cast<pthread_t>(thread))); }

int mtx_init(mtx_t* m, int type) {
  pthread_mutexattr_t attributes;
  pthread_mutexattr_init(&attributes);
  if ((type & mtx_recursive) != 0)
    pthread_mutexattr_settype(&attributes, PTHREAD_MUTEX_RECURSIVE);
  int error = pthread_mutex_init(posix(m), &attributes);
  pthread_mutexattr_destroy(&attributes);
  return result(error);
}
int mtx_lock(mtx_t* m) { return result(pthread_mutex_lock(posix(m))); }
int mtx_trylock(mtx_t* m) { return result(pthread_mutex_trylock(posix(m))); }
int mtx_timedlock(mtx_t* m, const struct timespec* until) {
  return result(pthread_mutex_timedlock(posix(m), until), thrd_timedout);
}
int mtx_unlock(mtx_t* m) { return result(pthread_mutex_unlock(posix(m))); }
void mtx_destroy(mtx_t* m) { pthread_mutex_destroy(posix(m)); }

int cnd_init(cnd_t* c) { return result(pthread_cond_init(posix(c), nullptr)); }
int cnd_signal(cnd_t* c) { return result(pthread_cond_signal(posix(c))); }
int cnd_broadcast(cnd_t* c) { return result(pthread_cond_broadcast(posix(c))); }
int cnd_wait(cnd_t* c, mtx_t* m) { return result(pthread_cond_wait(posix(c), posix(m))); }
int cnd_timedwait(cnd_t* c, mtx_t* m, const struct timespec* until) {
  return result(pthread_cond_timedwait(posix(c), posix(m), until), thrd_timedout);
}
void cnd_destroy(cnd_t* c) { pthread_cond_destroy(posix(c)); }

}  // extern "C"
