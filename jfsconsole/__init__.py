"""jfsconsole: a terminal console for JuiceFS dump volumes on Kubernetes."""

__version__ = "0.1.0"
