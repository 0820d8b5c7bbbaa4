/*
 * Borrower chat page: sends each message to the conversation API with the
 * conversation's bearer token and shows the agent's replies as they come: the
 * reply streams as Server-Sent Events, one guarded piece at a time (with an LLM,
 * its first sentence arrives while the rest is still being written), and the
 * turn's final result then stands for what was said.
 *
 * Text from the borrower or the agent only ever reaches the DOM through
 * textContent, never innerHTML, so nothing in a message can become markup.
 * A message that fails to send goes back into the input box, so nothing typed is lost.
 */
(function () {
  "use strict";

  var REQUEST_TIMEOUT_MS = 30000;
  var COUNTER_THRESHOLD = 0.8; // show the character counter from 80 % of the limit

  var config = JSON.parse(document.getElementById("chat-config").textContent);
  var strings = config.strings;

  var chat = document.getElementById("chat");
  var scroller = document.getElementById("chat-scroll");
  var log = document.getElementById("message-log");
  var typingIndicator = document.getElementById("typing-indicator");
  var endedBanner = document.getElementById("ended-banner");
  var errorBanner = document.getElementById("error-banner");
  var errorText = document.getElementById("error-text");
  var errorDismiss = document.getElementById("error-dismiss");
  var form = document.getElementById("composer");
  var input = document.getElementById("message-input");
  var sendButton = document.getElementById("send-button");
  var charCount = document.getElementById("char-count");

  var sending = false;
  var locked = chat.dataset.ended === "true";
  // the pieces of one reply message are joined as the server joins them
  var joiner = config.locale.indexOf("zh") === 0 ? "" : " ";

  /** Fills "{name}" placeholders of a UI string. */
  function format(template, values) {
    return template.replace(/\{(\w+)\}/g, function (match, name) {
      return Object.prototype.hasOwnProperty.call(values, name) ? String(values[name]) : match;
    });
  }

  /** Length in code points, as the server counts it (emoji are one character, not two). */
  function characterCount(text) {
    return Array.from(text).length;
  }

  function scrollToEnd() {
    scroller.scrollTop = scroller.scrollHeight;
  }

  function appendMessage(role, text) {
    var item = document.createElement("li");
    item.className = "message " + (role === "borrower" ? "borrower" : "agent");
    item.setAttribute("data-testid", "message");

    var speaker = document.createElement("span");
    speaker.className = "visually-hidden";
    speaker.textContent = role === "borrower" ? strings.borrower_says : strings.agent_says;

    var bubble = document.createElement("p");
    bubble.className = "bubble";
    bubble.textContent = text;

    item.appendChild(speaker);
    item.appendChild(bubble);
    log.appendChild(item);
    scrollToEnd();
    return item;
  }

  function markPending(item) {
    var status = document.createElement("span");
    status.className = "message-status";
    status.textContent = strings.sending;
    item.classList.add("pending");
    item.appendChild(status);
  }

  function markSent(item) {
    item.classList.remove("pending");
    var status = item.querySelector(".message-status");
    if (status) {
      status.remove();
    }
  }

  function showError(message) {
    errorText.textContent = message;
    errorBanner.hidden = false;
  }

  function clearError() {
    errorText.textContent = "";
    errorBanner.hidden = true;
  }

  function refreshControls() {
    input.disabled = locked;
    sendButton.disabled = locked || sending || input.value.trim() === "";
  }

  function setSending(value) {
    sending = value;
    typingIndicator.hidden = !value;
    log.setAttribute("aria-busy", value ? "true" : "false");
    refreshControls();
    if (value) {
      scrollToEnd();
    }
  }

  /** Stops further input, e.g. when the link no longer authorizes this conversation. */
  function lockComposer() {
    locked = true;
    refreshControls();
  }

  function endConversation() {
    chat.dataset.ended = "true";
    endedBanner.hidden = false;
    input.placeholder = strings.ended_placeholder;
    lockComposer();
    scrollToEnd();
  }

  /** Grows the input with its content, up to the height CSS allows. */
  function resizeInput() {
    input.style.height = "auto";
    input.style.height = input.scrollHeight + "px";
  }

  function updateCharCount() {
    var count = characterCount(input.value);
    var near = count >= config.maxLength * COUNTER_THRESHOLD;
    charCount.textContent = near ? count + " / " + config.maxLength : "";
    charCount.classList.toggle("over-limit", count > config.maxLength);
  }

  function onInputChanged() {
    resizeInput();
    updateCharCount();
    refreshControls();
  }

  /** Puts a message that was not accepted back into the input box. */
  function restoreDraft(text) {
    input.value = input.value ? text + "\n" + input.value : text;
    onInputChanged();
  }

  /** The server's own reason: FastAPI sends a string, or a list of validation errors. */
  function serverReason(body) {
    if (!body || body.detail === undefined) {
      return "";
    }
    if (typeof body.detail === "string") {
      return body.detail;
    }
    if (Array.isArray(body.detail)) {
      return body.detail
        .map(function (error) { return error && error.msg ? error.msg : ""; })
        .filter(Boolean)
        .join("; ");
    }
    return "";
  }

  function withReason(message, reason) {
    return reason ? message + " " + format(strings.error_detail, { detail: reason }) : message;
  }

  /** A readable, localised explanation of a rejected message. */
  function describeRejection(status, body, text) {
    var reason = serverReason(body);
    if (status === 400 || status === 413 || status === 422) {
      var count = characterCount(text);
      if (count > config.maxLength) {
        return format(strings.error_too_long, { count: count, max: config.maxLength });
      }
      if (text.trim() === "") {
        return strings.error_empty;
      }
      return withReason(strings.error_invalid, reason);
    }
    if (status === 401 || status === 403 || status === 404) {
      return strings.error_unauthorized;
    }
    if (status === 429) {
      return strings.error_rate_limited;
    }
    if (status >= 500) {
      return strings.error_server;
    }
    return withReason(strings.error_invalid, reason);
  }

  function postMessage(text, signal) {
    return fetch(config.messagesUrl, {
      method: "POST",
      headers: {
        "Accept": "text/event-stream",
        "Content-Type": "application/json",
        "Authorization": "Bearer " + config.token
      },
      body: JSON.stringify({ text: text }),
      credentials: "omit",
      cache: "no-store",
      signal: signal
    });
  }

  function readJson(response) {
    return response.json().catch(function () { return null; });
  }

  function isEventStream(response) {
    return (response.headers.get("Content-Type") || "").indexOf("text/event-stream") === 0;
  }

  /** Calls onEvent(name, data) for each Server-Sent Event of the response, as it arrives. */
  function readEvents(response, onEvent) {
    var reader = response.body.getReader();
    var decoder = new TextDecoder();
    var buffer = "";

    function dispatch(block) {
      var name = "message";
      var data = [];
      block.split("\n").forEach(function (line) {
        if (line.indexOf("event:") === 0) {
          name = line.slice(6).trim();
        } else if (line.indexOf("data:") === 0) {
          data.push(line.slice(5).trim());
        }
      });
      if (data.length) {
        onEvent(name, JSON.parse(data.join("\n")));
      }
    }

    function pump() {
      return reader.read().then(function (chunk) {
        buffer += decoder.decode(chunk.value || new Uint8Array(), { stream: !chunk.done });
        var end;
        while ((end = buffer.indexOf("\n\n")) !== -1) {
          dispatch(buffer.slice(0, end));
          buffer = buffer.slice(end + 2);
        }
        if (chunk.done) {
          if (buffer.trim()) {
            dispatch(buffer);
          }
          return undefined;
        }
        return pump();
      });
    }

    return pump();
  }

  /** The agent's bubbles of one reply, filled piece by piece as the stream brings them. */
  function StreamedReply() {
    this.items = [];
  }

  StreamedReply.prototype.add = function (index, text) {
    var item = this.items[index];
    if (!item) {
      item = appendMessage("agent", text);
      item.classList.add("streaming");
      this.items[index] = item;
      return;
    }
    var bubble = item.querySelector(".bubble");
    bubble.textContent = bubble.textContent + joiner + text;
    scrollToEnd();
  };

  /** The turn's result is what was said: each bubble shows its message, in order. */
  StreamedReply.prototype.settle = function (messages) {
    var items = this.items;
    messages.forEach(function (message, index) {
      var item = items[index];
      if (item) {
        item.querySelector(".bubble").textContent = message.text;
        item.classList.remove("streaming");
      } else {
        appendMessage(message.role, message.text);
      }
    });
    items.slice(messages.length).forEach(function (item) {
      if (item) {
        item.remove();
      }
    });
    this.items = [];
  };

  StreamedReply.prototype.discard = function () {
    this.items.forEach(function (item) {
      if (item) {
        item.remove();
      }
    });
    this.items = [];
  };

  StreamedReply.prototype.started = function () {
    return this.items.length > 0;
  };

  function applyReply(reply, streamed) {
    if (reply.stage) {
      chat.dataset.stage = reply.stage;
    }
    streamed.settle(reply.messages || []);
    if (reply.ended) {
      endConversation();
    }
  }

  function handleRejection(status, body, text) {
    if (status === 409) {
      // Ended elsewhere (another tab or a staff action): the ended banner says all there is to say.
      endConversation();
      return;
    }
    showError(describeRejection(status, body, text));
    if (status === 401 || status === 403 || status === 404) {
      lockComposer();
    } else {
      restoreDraft(text);
    }
  }

  function send(text) {
    clearError();
    var item = appendMessage("borrower", text);
    markPending(item);
    input.value = "";
    onInputChanged();
    setSending(true);

    var controller = new AbortController();
    var timer = setTimeout(function () { controller.abort(); }, REQUEST_TIMEOUT_MS);
    var streamed = new StreamedReply();
    var finished = false;

    function onEvent(name, data) {
      if (name === "sentence") {
        markSent(item);
        streamed.add(data.message, data.text);
      } else if (name === "turn") {
        finished = true;
        markSent(item);
        applyReply(data, streamed);
      } else if (name === "error") {
        finished = true;
        streamed.discard();
        item.remove();
        handleRejection(data.status, data, text);
      }
    }

    function lostConnection() {
      if (streamed.started()) {
        // part of the reply arrived, so the message was taken: keep what came, say the rest did not
        markSent(item);
        showError(strings.error_network);
        return;
      }
      item.remove();
      showError(strings.error_network);
      restoreDraft(text);
    }

    return postMessage(text, controller.signal)
      .then(function (response) {
        if (response.ok && isEventStream(response)) {
          return readEvents(response, onEvent).then(function () {
            if (!finished) {
              lostConnection();
            }
          });
        }
        return readJson(response).then(function (body) {
          if (response.ok && body) {
            markSent(item);
            applyReply(body, streamed);
            return;
          }
          item.remove();
          handleRejection(response.ok ? 500 : response.status, body, text);
        });
      })
      .catch(function () {
        if (!finished) {
          lostConnection();
        }
      })
      .finally(function () {
        clearTimeout(timer);
        setSending(false);
        if (!locked) {
          input.focus();
        }
      });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (sending || locked) {
      return;
    }
    var text = input.value.trim();
    if (text === "") {
      input.focus();
      return;
    }
    send(text);
  });

  input.addEventListener("keydown", function (event) {
    // Enter sends, Shift+Enter breaks the line; Enter that confirms an IME candidate
    // (pinyin input, keyCode 229) belongs to the IME and must not send.
    if (event.key !== "Enter" || event.shiftKey || event.isComposing || event.keyCode === 229) {
      return;
    }
    event.preventDefault();
    form.requestSubmit();
  });

  input.addEventListener("input", onInputChanged);
  errorDismiss.addEventListener("click", clearError);

  refreshControls();
  scrollToEnd();
})();
