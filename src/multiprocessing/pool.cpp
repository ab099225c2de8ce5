// multiprocessing.Pool's constructor: options checked and turned into the
// worker pool's (the rest of Pool is templates over the task types).
#include <concur/multiprocessing/pool.hpp>

namespace concur::multiprocessing {

namespace detail {

std::unique_ptr<WorkerPool> make_worker_pool(PoolOptions options, DeathPolicy policy) {
    WorkerPoolOptions workers;
    workers.processes = options.processes > 0 ? options.processes : cpu_count();
    if (options.maxtasksperchild < 0)
        throw ValueError("maxtasksperchild must be a positive int or None");
    workers.max_tasks_per_child = options.maxtasksperchild;
    const Context context = options.context.value_or(get_context());
    workers.method = context.method();
    switch (context.method()) {
        case StartMethod::fork:
            workers.name_prefix = "ForkPoolWorker";
            break;
        case StartMethod::spawn:
            workers.name_prefix = "SpawnPoolWorker";
            break;
        case StartMethod::forkserver:
            workers.name_prefix = "ForkServerPoolWorker";
            break;
    }
    if (options.initializer) {
        if (*options.initializer.signature_ != *options.initargs.signature_)
            throw ValueError("initargs do not match the parameters of the initializer");
        workers.initializer = options.initializer.header_();
        workers.initializer.insert(workers.initializer.end(), options.initargs.bytes_.begin(),
                                   options.initargs.bytes_.end());
    }
    workers.policy = policy;
    return std::make_unique<WorkerPool>(std::move(workers));
}

}  // namespace detail

multiprocessing::Pool Context::Pool(int processes) const {
    return multiprocessing::Pool(PoolOptions{processes, {}, {}, 0, *this});
}

Pool::Pool(PoolOptions options)
    : workers_(detail::make_worker_pool(std::move(options), detail::DeathPolicy::replace)) {}

}  // namespace concur::multiprocessing
