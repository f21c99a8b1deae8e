#pragma once

#include <QObject>

class QAction;
class QMenu;

namespace segstudio {

class MainWindow;
class ProjectBrowser;

// Predictions of a project's images that are not open: Images ▸ Segment All Images (every image
// not reviewed but the open one, in the background with progress, time left and Cancel; a
// person's labels are kept), and the next image predicted ahead of the person while the model
// is idle (when Model ▸ Preferences has "segment on open"), so it opens with its prediction.
// After the project model learns, the images nobody touched are predicted again with it. Each
// prediction is saved into the image's project mask; its status and mean confidence follow.
class ProjectSegmentation : public QObject {
    Q_OBJECT
public:
    ProjectSegmentation(MainWindow* window, ProjectBrowser* browser);

    void install(QMenu* images);
    QAction* segmentAllAction() const { return m_segmentAll; }

public Q_SLOTS:
    void segmentAll();
    // A new project model version is in use: the images only a model has labelled (status
    // "predicted", not open) are predicted again with it in the background, a few at a time
    // whenever the model is idle, until all are done.
    void refreshPredictions();

Q_SIGNALS:
    void imageSegmented(int index);
    void finished(bool cancelled);
    void message(const QString& text, int milliseconds);

private:
    void predictAhead();
    void onImageSegmented(int index, double meanConfidence, const QString& error);

    MainWindow* m_window;
    ProjectBrowser* m_browser;
    QAction* m_segmentAll = nullptr;
    bool m_aheadWanted = false; // the image after the open one has not been predicted yet
    QList<int> m_stale;         // predicted by an older version, to predict again
    int m_failures = 0;
};

} // namespace segstudio
