# Sourced by deploy.sh and remove.sh before they build: --help and -V answered from the checkout
# alone (deployer/help/, written by scripts/update-help.sh and kept equal to the CLI by
# HelpPagesTest), so a newcomer's first question does not wait for a build.
# answer_without_build HOME DEFAULT ARGS...: HOME is the checkout; DEFAULT the command the script
# runs when its first word is an option (deploy or remove); then the script's own arguments.

dmlflow_version() {
  # As dmlflow.deployer.stack.Version does: the build's version, and git describe's tag or commit.
  local home=$1 base describe version
  base=$(grep -m1 -o '<version>[^<]*</version>' "$home/pom.xml" | sed 's/<[^>]*>//g; s/-SNAPSHOT$//')
  describe=$(git -C "$home" describe --tags --always --dirty 2>/dev/null || true)
  if [[ -z $describe ]]; then
    version=$base
  elif [[ $describe =~ ^v?([0-9]+\.[0-9]+\.[0-9]+.*)$ ]]; then
    version=${BASH_REMATCH[1]}
  else
    version="$base+$describe"
  fi
  version=$(printf '%s' "$version" | sed 's/[^A-Za-z0-9._+-]/-/g')
  [[ $version =~ ^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$ ]] || version=$base
  echo "dmlflow $version"
}

answer_without_build() {
  local home=$1 default=$2
  shift 2
  local arg asks_help="" asks_version="" words=() page
  for arg in "$@"; do
    case "$arg" in
      -h | --help) asks_help=1 ;;
      -V | --version) asks_version=1 ;;
    esac
  done
  if [[ -n $asks_version && -z $asks_help ]]; then
    dmlflow_version "$home"
    exit 0
  fi
  if [[ -n $asks_help ]]; then
    # The page of the command words before the first option: "plan -p X=1 --help" is plan's.
    for arg in "$@"; do
      [[ $arg == -* ]] && break
      words+=("$arg")
    done
    if [[ ${#words[@]} -eq 0 ]]; then
      page=$default
    elif [[ $default != deploy ]]; then
      return 0
    else
      page=$(IFS=-; echo "${words[*]}")
    fi
    if [[ -f $home/deployer/help/$page.txt ]]; then
      cat "$home/deployer/help/$page.txt"
      exit 0
    fi
  fi
}

# The terminal's width for the CLI's tables and live line (the JVM cannot ask the terminal): 0
# when standard output is not a terminal (then no line is cut) or its size is unknown.
# Call it as columns=$(terminal_columns) after checking [[ -t 1 ]] in the script itself.
terminal_columns() {
  local size
  size=$(stty size 2>/dev/null </dev/tty || true)
  if [[ $size =~ ^[0-9]+\ ([0-9]+)$ ]]; then
    echo "${BASH_REMATCH[1]}"
  else
    echo 0
  fi
}
