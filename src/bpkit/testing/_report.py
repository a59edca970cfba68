"""The result of a conformance run: one line per check, and the failures."""


class CheckResult:
    """The outcome of one conformance check.

    Attributes
    ----------
    name : str
        What was checked, for example ``"derivative vs central differences"``.
    failures : list of str
        One sentence per failing point, saying where and by how much; empty
        when the check passed.
    """

    def __init__(self, name, failures):
        self.name = name
        self.failures = list(failures)

    @property
    def passed(self):
        return not self.failures

    def __repr__(self):
        return f"<CheckResult {self.name!r}: {'passed' if self.passed else 'failed'}>"


class ConformanceReport:
    """Every check run on one activation or loss.

    Attributes
    ----------
    kind : {"activation", "loss"}
    subject : str
        ``name(params)`` of the checked object.
    plugin, package : str or None
        Where the object comes from, as in :meth:`bpkit.Network.provenance`.
    results : list of CheckResult
    """

    def __init__(self, kind, subject, plugin, package, results):
        self.kind = kind
        self.subject = subject
        self.plugin = plugin
        self.package = package
        self.results = list(results)

    @property
    def passed(self):
        """Whether every check passed."""
        return all(result.passed for result in self.results)

    @property
    def failures(self):
        """Return ``(check name, failure sentence)`` for every failure."""
        return [
            (result.name, failure)
            for result in self.results
            for failure in result.failures
        ]

    def to_text(self, max_failures=5):
        """Return the report as text: a title, one line per check, a summary.

        Parameters
        ----------
        max_failures : int
            Failure sentences shown per check; the rest are counted.
        """
        if self.plugin is None:
            source = "an unregistered class"
        else:
            source = f"plugin {self.plugin!r}, package {self.package!r}"
        lines = [f"conformance of {self.kind} {self.subject!r} ({source})"]
        for result in self.results:
            lines.append(f"  {'PASS' if result.passed else 'FAIL'}  {result.name}")
            for failure in result.failures[:max_failures]:
                lines.append(f"        - {failure}")
            hidden = len(result.failures) - max_failures
            if hidden > 0:
                lines.append(f"        ... and {hidden} more")
        n_passed = sum(result.passed for result in self.results)
        lines.append(f"{n_passed} of {len(self.results)} checks passed")
        return "\n".join(lines)

    def __str__(self):
        return self.to_text()

    def __repr__(self):
        state = "passed" if self.passed else f"{len(self.failures)} failure(s)"
        return f"<ConformanceReport {self.kind} {self.subject!r}: {state}>"


class ConformanceError(AssertionError):
    """An activation or loss failed the conformance kit.

    The message is the report's text, and ``report`` is the
    :class:`ConformanceReport`.
    """

    __module__ = "bpkit.testing"

    def __init__(self, report):
        super().__init__(report.to_text())
        self.report = report
