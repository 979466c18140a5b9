"""Modal dialogs: a yes/no confirmation and the nice value to set."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label

from darwin_metrics.tui.actions import NICE_MAX, NICE_MIN

_CSS = """
ModalScreen { align: center middle; }
#dialog { width: auto; max-width: 90%; height: auto; border: thick $error; padding: 1 2;
          background: $surface; }
#buttons { height: auto; margin-top: 1; }
#buttons Button { margin-right: 2; }
#problem { color: $error; }
"""


class ConfirmScreen(ModalScreen[bool]):
    """Asks ``question``; dismisses with ``True`` for yes (``y``), ``False`` for no (``n``, Esc)."""

    DEFAULT_CSS = _CSS
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer(True)", "yes"),
        Binding("n,escape", "answer(False)", "no"),
    ]

    def __init__(self, question: str, yes: str = "Yes") -> None:
        super().__init__()
        self.question = question
        self.yes = yes

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label(self.question, id="question", markup=False)
            with Horizontal(id="buttons"):
                yield Button(f"{self.yes} (y)", variant="error", id="yes")
                yield Button("Cancel (n)", variant="primary", id="no")

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)


class ReniceScreen(ModalScreen[int | None]):
    """Asks for a nice value; dismisses with it (Enter) or ``None`` (Esc)."""

    DEFAULT_CSS = _CSS
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "cancel")]

    def __init__(self, question: str, current: int | None) -> None:
        super().__init__()
        self.question = question
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label(self.question, markup=False)
            yield Input(
                value="" if self.current is None else str(self.current),
                placeholder=f"{NICE_MIN} to {NICE_MAX}",
                type="integer",
                id="nice",
            )
            yield Label("Enter applies it, Esc cancels.")
            yield Label("", id="problem")

    def on_mount(self) -> None:
        self.query_one("#nice", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        try:
            value = int(event.value)
        except ValueError:
            value = NICE_MAX + 1
        if not NICE_MIN <= value <= NICE_MAX:
            self.query_one("#problem", Label).update(
                f"a whole number from {NICE_MIN} to {NICE_MAX}"
            )
            return
        self.dismiss(value)

    def action_cancel(self) -> None:
        self.dismiss(None)
