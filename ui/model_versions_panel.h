#pragma once

#include <QDateTime>
#include <QMetaType>
#include <QString>
#include <QWidget>
#include <limits>

class QPushButton;
class QTableWidget;

namespace segstudio {

// What the application knows about one model version (the network itself stays with the
// worker that runs it).
struct ModelVersionInfo {
    int id = 0;
    QString name;   // "default", a file name, or "learned 3"
    QString origin; // where it came from: a path, or the version it was trained from
    QDateTime created;
    qint64 correctedPixels = 0; // human-labelled pixels it learned from (0: not trained here)
    int steps = 0;
    double finalLoss = std::numeric_limits<double>::quiet_NaN();
    double heldOutMiou = -1; // mIoU on reviewed pixels held out from its training; -1: none
};

// The Model versions dock: every version with its date, the corrections it learned from, its
// steps, final loss and held-out mIoU; the current one is marked. Switch back to any version,
// save one as a model bundle, or open a model from disk.
class ModelVersionsPanel : public QWidget {
    Q_OBJECT
public:
    explicit ModelVersionsPanel(QWidget* parent = nullptr);

    void addVersion(const ModelVersionInfo& version);
    void setCurrentVersion(int id);
    int currentVersion() const { return m_current; }
    int versionCount() const;
    int selectedVersion() const; // -1 when none is selected
    void selectVersion(int id);
    QTableWidget* table() const { return m_table; }
    // Disables switching while a job runs (a version in use must not change under it).
    void setBusy(bool busy);

Q_SIGNALS:
    void useRequested(int id);
    void saveRequested(int id);
    void openRequested();

private:
    int rowOf(int id) const;
    void updateButtons();

    QTableWidget* m_table;
    QPushButton* m_use;
    QPushButton* m_save;
    QPushButton* m_open;
    int m_current = -1;
    bool m_busy = false;
};

} // namespace segstudio

Q_DECLARE_METATYPE(segstudio::ModelVersionInfo)
