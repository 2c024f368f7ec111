# Source this to use the freshly built plugin and library from the build tree.
_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
_build=${BUILD_DIR:-$_root/build}
export GST_PLUGIN_PATH="$_build/plugin${GST_PLUGIN_PATH:+:$GST_PLUGIN_PATH}"
export GI_TYPELIB_PATH="$_build/src${GI_TYPELIB_PATH:+:$GI_TYPELIB_PATH}"
export LD_LIBRARY_PATH="$_build/src${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
unset _root _build
