#!/usr/bin/env python3
# Cancellation from another thread, seen by helgrind: runs
# /qssl/server/cancel-accept-race of test-server under valgrind's race
# detector and fails if libqssl code touched shared state from the
# cancelling thread. A cancellation must only wake the server's own
# context; the first version ran the server's queue handling in the
# cancelling thread, a race too narrow to catch by running it (the test
# passes there), which helgrind reports from the order of accesses alone.
#
# Usage: check-cancel-thread.py VALGRIND TEST-SERVER
import os
import re
import subprocess
import sys
import tempfile

CANCELLERS = ("cancel_as_created", "cancel_later", "cancel_now")


def races_in_cancelling_thread(log):
    found = []
    for block in re.split(r"==\d+== \n", log):
        if "Possible data race" not in block:
            continue
        # The stack of the access this report is about, not the other one.
        access = re.split(r"Address 0x|This conflicts with", block)[0]
        if any(name in access for name in CANCELLERS) and re.search(r"\(qssl-[a-z-]+\.c:\d+\)", access):
            found.append(block.strip())
    return found


def main():
    valgrind, test = sys.argv[1], sys.argv[2]
    env = dict(os.environ, QSSL_TEST_RACE_TASKS="300", QSSL_TEST_RACE_CLIENTS="2")
    with tempfile.NamedTemporaryFile("r", suffix=".log") as log:
        result = subprocess.run(
            [valgrind, "--tool=helgrind", "--error-limit=no", "--num-callers=12",
             "--log-file=" + log.name, test, "-p", "/qssl/server/cancel-accept-race"],
            env=env)
        text = log.read()
    if result.returncode != 0:
        print(text[-4000:])
        print("test-server failed under helgrind: exit status", result.returncode)
        return 1
    found = races_in_cancelling_thread(text)
    for block in found[:3]:
        print(block, end="\n\n")
    print(len(found), "races with libqssl code on the cancelling thread")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
