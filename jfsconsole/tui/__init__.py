"""The Textual face of jfsconsole. Only modules under this package import Textual."""
