#pragma once

#include "annotation/model_version_info.h"

#include <QWidget>

class QPushButton;
class QTableWidget;

namespace segstudio {

// The Model versions dock: every version with its date, the corrections it learned from, its
// steps, final loss and held-out mIoU; the current one is marked. Switch back to any version,
// save one as a model bundle, compare the image's mask with what a version predicts, or open a
// model from disk.
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
    void setCanCompare(bool can); // an image is open

Q_SIGNALS:
    void useRequested(int id);
    void saveRequested(int id);
    void compareRequested(int id);
    void openRequested();

private:
    int rowOf(int id) const;
    void updateButtons();

    QTableWidget* m_table;
    QPushButton* m_use;
    QPushButton* m_save;
    QPushButton* m_compare;
    QPushButton* m_open;
    int m_current = -1;
    bool m_busy = false;
    bool m_canCompare = false;
};

} // namespace segstudio
