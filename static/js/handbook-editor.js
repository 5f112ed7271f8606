// The handbook editor's toolbar and "Insert" buttons (templates/handbook/page_form.html).
// Without JavaScript both stay hidden: the Markdown help under the text says how
// to write the same by hand. The CSP allows no inline script, hence this file.
(function () {
  "use strict";

  function textarea() {
    return document.getElementById("id_body");
  }

  // Tell htmx (the live preview) that the text changed, as typing would.
  function changed(area) {
    area.dispatchEvent(new Event("input", { bubbles: true }));
  }

  function replaceSelection(area, before, middle, after) {
    var start = area.selectionStart;
    var end = area.selectionEnd;
    var text = area.value;
    area.value = text.slice(0, start) + before + middle + after + text.slice(end);
    area.focus();
    area.setSelectionRange(start + before.length, start + before.length + middle.length);
    changed(area);
  }

  // The selected lines (or the caret's line), each given `prefix`; a blank line
  // goes before a list or heading that would otherwise run into the text above.
  function prefixLines(area, prefixFor) {
    var text = area.value;
    var start = text.lastIndexOf("\n", area.selectionStart - 1) + 1;
    var endIndex = text.indexOf("\n", area.selectionEnd);
    var end = endIndex === -1 ? text.length : endIndex;
    var lines = text.slice(start, end).split("\n");
    var block = lines
      .map(function (line, index) {
        return prefixFor(index) + line.replace(/^(#{1,6} |[-*+] |\d+\. )/, "");
      })
      .join("\n");
    var above = text.slice(0, start);
    var gap = above === "" || /\n\n$/.test(above) ? "" : /\n$/.test(above) ? "\n" : "\n\n";
    area.value = above + gap + block + text.slice(end);
    area.focus();
    area.setSelectionRange(start + gap.length, start + gap.length + block.length);
    changed(area);
  }

  var formats = {
    heading: function (area) {
      prefixLines(area, function () { return "## "; });
    },
    bullets: function (area) {
      prefixLines(area, function () { return "- "; });
    },
    numbers: function (area) {
      prefixLines(area, function (index) { return index + 1 + ". "; });
    },
    link: function (area) {
      var selected = area.value.slice(area.selectionStart, area.selectionEnd);
      if (/^https?:\/\//.test(selected)) {
        replaceSelection(area, "[", "link text", "](" + selected + ")");
      } else {
        replaceSelection(area, "[", selected || "link text", "](https://)");
      }
    },
  };

  function start() {
    var area = textarea();
    if (!area) {
      return;
    }
    document.querySelectorAll("[data-editor-toolbar]").forEach(function (bar) {
      bar.hidden = false;
      bar.addEventListener("click", function (event) {
        var button = event.target.closest("button[data-format]");
        if (button && formats[button.dataset.format]) {
          formats[button.dataset.format](area);
        }
      });
    });
    // After an upload the page is new and the caret sits at the start: until the
    // editor has been in the text, a file goes in at the end.
    var caretChosen = false;
    area.addEventListener("focus", function () {
      caretChosen = true;
    });
    document.querySelectorAll("button[data-insert-text]").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () {
        var snippet = button.dataset.insertText;
        if (!caretChosen) {
          area.setSelectionRange(area.value.length, area.value.length);
        }
        var before = area.value.slice(0, area.selectionStart);
        var gap = before === "" || /\n\n$/.test(before) ? "" : /\n$/.test(before) ? "\n" : "\n\n";
        replaceSelection(area, gap, snippet, "\n\n");
      });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
