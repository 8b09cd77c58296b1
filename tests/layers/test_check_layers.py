"""The layering check finds each kind of fault in a small made-up tree."""
import os
import sys
import tempfile
import textwrap
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..', '..',
                                'scripts'))
import check_layers  # noqa: E402

PAGE = textwrap.dedent('''\
    # architecture

    ```layers
    top          -- the highest layer
    mid/a mid/b  -- peers
    low
    ```
    ''')


class Tree:
    def __init__(self):
        self.dir = tempfile.TemporaryDirectory()
        self.root = self.dir.name
        self.write('docs/architecture.md', PAGE)
        self.write('low/low.hpp', '#pragma once\n')
        self.write('mid/a/a.hpp', '#include "low/low.hpp"\n')
        self.write('mid/b/b.hpp', '#include "low/low.hpp"\n')
        self.write('top/top.cpp',
                   '#include "mid/a/a.hpp"\n#include "mid/b/b.hpp"\n'
                   '#include "top/top.hpp"\n#include "x/gen.pb.h"\n')
        self.write('top/top.hpp', '#pragma once\n')
        self.write('tests/t.cpp', '#include "top/top.hpp"\n')

    def write(self, path, text):
        full = os.path.join(self.root, path)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, 'w') as f:
            f.write(text)

    def faults(self):
        return check_layers.check(self.root)


class CheckLayers(unittest.TestCase):
    def setUp(self):
        self.tree = Tree()

    def tearDown(self):
        self.tree.dir.cleanup()

    def test_a_tree_whose_includes_point_down_passes(self):
        self.assertEqual(self.tree.faults(), [])

    def test_an_include_of_a_higher_layer_fails(self):
        self.tree.write('low/low.cpp', '\n#include "top/top.hpp"\n')
        faults = self.tree.faults()
        self.assertEqual(len(faults), 1)
        self.assertIn('low/low.cpp:2', faults[0])
        self.assertIn('higher layer', faults[0])

    def test_an_include_of_a_peer_fails(self):
        self.tree.write('mid/a/a.cpp', '#include "mid/b/b.hpp"\n')
        faults = self.tree.faults()
        self.assertEqual(len(faults), 1)
        self.assertIn('peer mid/b/', faults[0])

    def test_a_folder_missing_from_the_page_fails(self):
        self.tree.write('mid/c/c.hpp', '#pragma once\n')
        self.assertEqual(self.tree.faults(),
                         ['mid/c/: not in the layers of docs/architecture.md'])

    def test_a_folder_on_the_page_without_sources_fails(self):
        os.remove(os.path.join(self.tree.root, 'mid/b/b.hpp'))
        self.tree.write('top/top.cpp', '#include "mid/a/a.hpp"\n')
        self.assertEqual(self.tree.faults(),
                         ['mid/b/: in docs/architecture.md but holds no '
                          'sources'])

    def test_an_include_not_from_the_root_fails(self):
        self.tree.write('top/top.cpp', '#include "top.hpp"\n')
        faults = self.tree.faults()
        self.assertEqual(len(faults), 1)
        self.assertIn('not a path from the repository root', faults[0])

    def test_caf_internals_in_an_installed_header_fail(self):
        self.tree.write('mid/a/a.hpp', '#include <caf/detail/x.hpp>\n')
        self.tree.write('mid/a/a.cpp', '#include <caf/detail/x.hpp>\n')
        faults = self.tree.faults()
        self.assertEqual(len(faults), 1)
        self.assertIn('mid/a/a.hpp:1', faults[0])

    def test_a_page_without_layers_is_an_error(self):
        self.tree.write('docs/architecture.md', '# nothing here\n')
        with self.assertRaises(ValueError):
            self.tree.faults()


if __name__ == '__main__':
    unittest.main()
