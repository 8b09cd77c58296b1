#!/usr/bin/env python3
"""Checks troupe's folder layering against docs/architecture.md.

The "Folders and layers" section of docs/architecture.md holds a fenced
block tagged `layers`: one layer per line, the highest first, each line the
folders of that layer separated by spaces (anything after `--` is a
comment). The check fails when

  * a folder with C++ sources is not in the table, or the table names a
    folder that does not exist (the tree and the page must match);
  * a file includes a header of a higher layer, or of another folder of its
    own layer (peers stay independent, so no folder cycle can form);
  * a quoted include does not name a file from the repository root (or a
    file generated into the build tree, such as `*.pb.h`);
  * an installed header (every .hpp but the CLI's) includes CAF's private
    <caf/detail/...> headers, which applications should not build on.

Usage: check_layers.py [REPO_ROOT]   (exit status 1 and one line per fault)
"""
import os
import re
import sys

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)
PRIVATE_CAF = re.compile(r'^\s*#\s*include\s+<(caf/detail/[^>]+)>', re.M)
# Folders whose headers are not installed.
NOT_INSTALLED = ('node/cli',)
LAYERS_BLOCK = re.compile(r'^```layers\n(.*?)^```', re.M | re.S)
SOURCE_SUFFIXES = ('.hpp', '.cpp')
# Trees that may include any layer: they are not part of the library.
OUTSIDE = ('tests', 'bench', 'examples', 'build', 'python', 'scripts', 'docs')


def outside(top):
    """Whether a top-level folder holds no engine sources: the ones above,
    hidden ones, and build trees (build/, build-fuzz/, ...)."""
    return top in OUTSIDE or top.startswith(('.', 'build'))
GENERATED = ('.pb.h',)


def read_layers(doc_text):
    """Folder -> layer rank (0 = lowest) from the page's `layers` block."""
    m = LAYERS_BLOCK.search(doc_text)
    if not m:
        raise ValueError('docs/architecture.md has no ```layers block')
    lines = [l.split('--')[0].split() for l in m.group(1).splitlines()]
    lines = [l for l in lines if l]
    rank = {}
    for i, folders in enumerate(reversed(lines)):
        for f in folders:
            if f in rank:
                raise ValueError('folder %s is in two layers' % f)
            rank[f.rstrip('/')] = i
    return rank


def source_folders(root):
    out = set()
    for dirpath, dirnames, filenames in os.walk(root):
        rel = os.path.relpath(dirpath, root)
        top = rel.split(os.sep)[0]
        if rel == '.':
            dirnames[:] = [d for d in dirnames if not outside(d)]
            continue
        if outside(top):
            continue
        if any(f.endswith(SOURCE_SUFFIXES) for f in filenames):
            out.add(rel.replace(os.sep, '/'))
    return out


def check(root):
    faults = []
    with open(os.path.join(root, 'docs', 'architecture.md')) as f:
        rank = read_layers(f.read())
    folders = source_folders(root)
    for f in sorted(folders - set(rank)):
        faults.append('%s/: not in the layers of docs/architecture.md' % f)
    for f in sorted(set(rank) - folders):
        faults.append('%s/: in docs/architecture.md but holds no sources' % f)
    for folder in sorted(folders & set(rank)):
        for name in sorted(os.listdir(os.path.join(root, folder))):
            if not name.endswith(SOURCE_SUFFIXES):
                continue
            path = folder + '/' + name
            with open(os.path.join(root, path)) as f:
                text = f.read()
            if name.endswith('.hpp') and folder not in NOT_INSTALLED:
                for m in PRIVATE_CAF.finditer(text):
                    line = text.count('\n', 0, m.start(1)) + 1
                    faults.append('%s:%d: an installed header includes <%s>; '
                                  'keep CAF internals in .cpp files'
                                  % (path, line, m.group(1)))
            for m in INCLUDE.finditer(text):
                inc = m.group(1)
                line = text.count('\n', 0, m.start(1)) + 1
                where = '%s:%d' % (path, line)
                if not os.path.isfile(os.path.join(root, inc)):
                    if not inc.endswith(GENERATED):
                        faults.append('%s: "%s" is not a path from the '
                                      'repository root' % (where, inc))
                    continue
                target = os.path.dirname(inc)
                if target == folder:
                    continue
                if target not in rank:
                    faults.append('%s: includes "%s" from a folder outside '
                                  'the layers' % (where, inc))
                elif rank[target] > rank[folder]:
                    faults.append('%s: includes "%s", a higher layer (%s/ '
                                  'is above %s/)' % (where, inc, target, folder))
                elif rank[target] == rank[folder]:
                    faults.append('%s: includes "%s" of its peer %s/ (folders '
                                  'of one layer stay independent)'
                                  % (where, inc, target))
    return faults


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), '..')
    try:
        faults = check(root)
    except ValueError as e:
        print('check_layers: %s' % e)
        return 1
    for fault in faults:
        print(fault)
    if faults:
        print('check_layers: %d fault(s); docs/architecture.md says what each '
              'folder may include' % len(faults))
        return 1
    print('check_layers: every include points down')
    return 0


if __name__ == '__main__':
    sys.exit(main())
