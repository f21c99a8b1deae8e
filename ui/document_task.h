#pragma once

#include "annotation/label_document.h"

#include <QFutureWatcher>
#include <QPointer>
#include <QtConcurrent>
#include <type_traits>

namespace segstudio {

// The one shape of every tool that computes over a large area on a worker and paints on the GUI
// thread (flood fill, magic wand, GrabCut): `work()` runs on the thread pool with what it
// captured (a mask snapshot, the raster); `apply(document, result)` runs on `owner`'s thread when
// it is done, with `document` null when the result belongs to no document any more (another
// image was opened meanwhile): then it must paint nothing. `current()` says which document the
// tool edits now.
template <typename Current, typename Work, typename Apply>
void runForDocument(QObject* owner, LabelDocument* document, Current current, Work work, Apply apply) {
    using Result = std::invoke_result_t<Work>;
    auto* watcher = new QFutureWatcher<Result>(owner);
    const QPointer<LabelDocument> requested = document;
    QObject::connect(watcher, &QFutureWatcherBase::finished, owner,
                     [watcher, requested, current, apply]() mutable {
                         watcher->deleteLater();
                         Result result = watcher->result();
                         apply(requested && requested == current() ? requested.data() : nullptr, result);
                     });
    watcher->setFuture(QtConcurrent::run(std::move(work)));
}

} // namespace segstudio
