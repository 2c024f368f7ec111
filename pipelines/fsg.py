"""pocketsphinx's finite-state grammars (FSG files), for the scripts beside
it that recognise a few words."""
import os


def write(directory, name, words):
    """@directory/@name.fsg: a grammar @name of one or more of @words (each
    as likely). Returns its path."""
    path = os.path.join(directory, name + ".fsg")
    p = 1.0 / len(words)
    lines = ["FSG_BEGIN " + name, "NUM_STATES 2", "START_STATE 0", "FINAL_STATE 1"]
    lines += ["TRANSITION 0 1 %.4f %s" % (p, w) for w in words]
    lines += ["TRANSITION 1 1 %.4f %s" % (p, w) for w in words]
    lines.append("FSG_END")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    return path
