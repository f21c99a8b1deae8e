#pragma once

#include <QObject>
#include <QString>

class QAction;
class QMenu;

namespace segstudio {

class MainWindow;
class ProjectBrowser;

// The project's model learning across its images: Images ▸ Learn Across Project (Ctrl+F6), and
// by itself after each image marked reviewed while Model ▸ Learn Live is on. A round fine-tunes on
// the reviewed images' saved masks (learnFromDataset(), what `simulate-dataset` measures) on the
// model worker while the person goes on; an accepted version predicts the open image again, is
// stored in the project's folder (segstudio/models/vN.pt) and listed in the project file, and is
// the model a reopened project starts with.
class ProjectLearning : public QObject {
    Q_OBJECT
public:
    ProjectLearning(MainWindow* window, ProjectBrowser* browser);

    void install(QMenu* images);
    QAction* learnAction() const { return m_learn; }

public Q_SLOTS:
    void learnNow();

Q_SIGNALS:
    // A learned version is stored in the project ("segstudio/models/v2.pt").
    void versionStored(const QString& bundle);
    void message(const QString& text, int milliseconds);

private:
    void onLearnFinished(bool cancelled, const QString& error, bool accepted);

    MainWindow* m_window;
    ProjectBrowser* m_browser;
    QAction* m_learn = nullptr;
    bool m_running = false; // the learning job in the controller is ours
    bool m_again = false;   // more images were reviewed while it ran
    QString m_storing;      // the bundle being written
};

} // namespace segstudio
