#include "semsearch/shared_index_listener.h"

#include "shared_index/change_listener.h"

namespace semsearch {

// The public face of ChangeListener, which keeps PgConnection (and so libpq's types) out of the
// public headers.
class SharedIndexListener::Impl {
public:
    explicit Impl(ChangeListener listener) : m_listener(std::move(listener)) {}
    ChangeListener m_listener;
};

Result<std::unique_ptr<SharedIndexListener>> SharedIndexListener::open(const QString& location) {
    auto listener = ChangeListener::open(location);
    if (!listener)
        return listener.error();
    return std::unique_ptr<SharedIndexListener>(
        new SharedIndexListener(std::make_unique<Impl>(std::move(listener).value())));
}

SharedIndexListener::SharedIndexListener(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}

SharedIndexListener::~SharedIndexListener() = default;

int SharedIndexListener::socket() const {
    return m_impl->m_listener.socket();
}

Result<std::int64_t> SharedIndexListener::latestAnnounced() {
    return m_impl->m_listener.latestAnnounced();
}

} // namespace semsearch
