"""Which of the system's file events are an author's change, for the live preview: MkDocs'
observer told of a save at once by inotify (where MkDocs polls twice a second), with the
files a rebuild does not read, and reads themselves, left out. `preview.PreviewServer`
watches with it.
"""

from __future__ import annotations

import errno
import logging
import os
import sys
import threading

from watchdog import events
from watchdog.observers import Observer
from watchdog.observers.api import BaseObserver, ObservedWatch
from watchdog.observers.polling import PollingObserver

POLL_SECONDS = 0.1  # where the system's file events cannot be had (see Watcher)
# Where watchdog says it could not watch a folder made after the start, the rest of the tree
# left unwatched: the system's limit on watches (or on inotify instances) reached.
INOTIFY_LOGGER = "watchdog.observers.inotify"
OUT_OF_WATCHES = {errno.ENOSPC, errno.EMFILE}
# The events of a change: MkDocs' handler would rebuild on a file merely opened or read.
# A folder moved or deleted is one event, none for the files inside it.
CHANGES: list[type[events.FileSystemEvent]] = [
    events.FileCreatedEvent, events.FileDeletedEvent, events.FileModifiedEvent,
    events.FileMovedEvent, events.FileClosedEvent,
    events.DirCreatedEvent, events.DirDeletedEvent, events.DirMovedEvent,
    events.EventsLostEvent,
]  # fmt: skip
# A folder's event as MkDocs' handler sees a change: it passes over folders' own events.
AS_FILE_EVENT: dict[type[events.FileSystemEvent], type[events.FileSystemEvent]] = {
    events.DirCreatedEvent: events.FileCreatedEvent,
    events.DirDeletedEvent: events.FileDeletedEvent,
    events.DirMovedEvent: events.FileMovedEvent,
}


class Watcher:
    """MkDocs' observer, told of a change by the system's file events (inotify on Linux)
    rather than by polling the watched folders twice a second; polling, ten times a second,
    only where those cannot be had (the system's limit on watches reached, say), or no
    longer: a folder made while serving that the system has no watch left for.

    Only changes count (a file read by the build is not one), and not those of an editor's
    hidden and backup files (`.proposal.yaml.swp`, `proposal.yaml~`); a folder created,
    moved or deleted is one (a `templates` folder moved out says nothing of its files).
    Events the system lost (its queue overflowed, thousands of files changed at once) are
    one too: whatever they were, the preview is made again rather than left behind a save.
    A watched path that is a symbolic link is watched where it leads: the system's events
    come from the folder itself, not from a link to it. `finished` says whether the last
    change completed a save (a file closed after writing, or renamed into place), for the
    server's quiet period: a file created, deleted or written to may be followed by the
    rest of a save.
    """

    def __init__(self) -> None:
        self.observer: BaseObserver = Observer()
        self.scheduled: list[tuple[events.FileSystemEventHandler, str, bool]] = []
        self.finished = True
        self.lock = threading.Lock()  # the observer replaced, or stopped, at a time
        self.stopped = False
        self.limit = WatchLimit(self)

    def schedule(
        self, handler: events.FileSystemEventHandler, path: str, *, recursive: bool = False
    ) -> ObservedWatch:
        self.scheduled.append((handler, path, recursive))
        return self._schedule(handler, path, recursive)

    def _schedule(
        self, handler: events.FileSystemEventHandler, path: str, recursive: bool
    ) -> ObservedWatch:
        noting = ChangeHandler(handler, self)
        where = os.path.realpath(path)
        return self.observer.schedule(noting, where, recursive=recursive, event_filter=CHANGES)

    def unschedule(self, watch: ObservedWatch) -> None:
        self.observer.unschedule(watch)
        for entry in self.scheduled:  # not watched again if the watcher falls back to polling
            if os.path.realpath(entry[1]) == watch.path and entry[2] == watch.is_recursive:
                self.scheduled.remove(entry)
                break

    def start(self) -> None:
        try:
            self.observer.start()
        except OSError as e:  # no file events to be had: poll instead
            self.observer.stop()  # and with it any watch it did start
            self._poll(str(e))
        logging.getLogger(INOTIFY_LOGGER).addHandler(self.limit)

    def _poll(self, why: str) -> None:
        print(f"buildcase: watching for changes by polling ({why})", file=sys.stderr)
        self.observer = PollingObserver(timeout=POLL_SECONDS)
        for handler, path, recursive in self.scheduled:
            self._schedule(handler, path, recursive)
        self.observer.start()

    def out_of_watches(self, why: str) -> None:
        """Poll from now on: a folder made since the start could not be watched (the
        system's limit reached), and a save in it would never show. The old observer is
        stopped from a thread of its own (this is called from the observer's), and a
        rebuild catches up with what changed before polling began."""

        def fall_back() -> None:
            with self.lock:
                if self.stopped or isinstance(self.observer, PollingObserver):
                    return
                self.observer.stop()
                self.observer.join(1)
                self._poll(why)
                self.finished = True
                for handler, path, _recursive in self.scheduled:
                    handler.dispatch(events.FileModifiedEvent(os.path.realpath(path)))

        threading.Thread(target=fall_back, name="watch-by-polling", daemon=True).start()

    def stop(self) -> None:
        with self.lock:
            self.stopped = True
            logging.getLogger(INOTIFY_LOGGER).removeHandler(self.limit)
            self.observer.stop()

    def join(self, timeout: float | None = None) -> None:
        self.observer.join(timeout)


class WatchLimit(logging.Handler):
    """Hears watchdog say that a new folder could not be watched, for `Watcher`; and says
    what else it warns of (an overflow it recovers from, say) as buildcase's own line, as
    Python would have printed it without this handler."""

    def __init__(self, watcher: Watcher) -> None:
        super().__init__(logging.WARNING)
        self.watcher = watcher

    def emit(self, record: logging.LogRecord) -> None:
        args = record.args if isinstance(record.args, tuple) else ()
        raised = record.exc_info[1] if record.exc_info else None
        for arg in (*args, raised):
            if isinstance(arg, OSError) and arg.errno in OUT_OF_WATCHES:
                self.watcher.out_of_watches(arg.strerror or str(arg))
                return
        print(f"buildcase: {record.getMessage()}", file=sys.stderr)


class ChangeHandler(events.FileSystemEventHandler):
    """MkDocs' handler, given the changes that are an author's (see Watcher)."""

    def __init__(self, handler: events.FileSystemEventHandler, watcher: Watcher) -> None:
        self.handler, self.watcher = handler, watcher

    def on_any_event(self, event: events.FileSystemEvent) -> None:
        if isinstance(event, events.EventsLostEvent):  # of the watched folder: any change
            self.watcher.finished = True
            self.handler.dispatch(events.FileModifiedEvent(event.src_path))
            return
        if not any(authored(p) for p in (event.src_path, event.dest_path)):
            return
        if event.is_directory:  # one event, at once: nothing more of it to wait for
            if type(event) not in AS_FILE_EVENT:
                return
            self.watcher.finished = True
            self.handler.dispatch(AS_FILE_EVENT[type(event)](event.src_path, event.dest_path))
            return
        moved_in = event.event_type == events.EVENT_TYPE_MOVED and authored(event.dest_path)
        self.watcher.finished = event.event_type == events.EVENT_TYPE_CLOSED or moved_in
        self.handler.dispatch(event)


def authored(path: bytes | str) -> bool:
    """Whether a changed path may be one a rebuild reads: not an editor's hidden or backup
    file (vim's `.name.swp`, emacs's `#name#` and `.#name`, `name~`)."""
    name = os.path.basename(os.fsdecode(path))
    return bool(name) and not name.startswith((".", "#")) and not name.endswith("~")
