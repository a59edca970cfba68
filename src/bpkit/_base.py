"""Base classes for activations and losses, built-in or from plugins."""

from bpkit._elementwise import PLUGIN_KERNEL


class _Registered:
    """Common parts of activations and losses: name, parameters, provenance."""

    name = ""
    latex = ""
    latex_derivative = ""
    #: Optional lines of LaTeX (``align`` rows) deriving ``latex_derivative``
    #: from ``latex``; the derivation pages show them.
    latex_steps = ()
    #: C kernel code of a built-in; plugins keep PLUGIN_KERNEL and are called
    #: from the compiled loop through Python.
    _kernel = PLUGIN_KERNEL

    def __init__(self, **params):
        self.params = dict(params)
        #: Name under which pluggy registered the plugin that provides this class.
        self.plugin = None
        #: Distribution (pip package) that provides this class.
        self.package = None

    def __repr__(self):
        args = ", ".join(f"{key}={value!r}" for key, value in self.params.items())
        return f"{type(self).__name__}({args})" if args else type(self).__name__ + "()"

    def __eq__(self, other):
        return (
            type(other) is type(self)
            and other.name == self.name
            and other.params == self.params
        )

    def __hash__(self):
        return hash((self.name, tuple(sorted(self.params.items()))))

    def describe(self):
        """Return ``name(param=value, ...)``, the spelling used in messages."""
        args = ", ".join(f"{key}={value!r}" for key, value in self.params.items())
        return f"{self.name}({args})" if args else self.name


class Activation(_Registered):
    """An activation function f with its derivative f'.

    Subclasses set ``name``, ``latex`` (f in terms of ``z``) and
    ``latex_derivative`` (f' in terms of ``z``), and implement :meth:`value`
    and :meth:`derivative`.

    Parameters
    ----------
    **params
        Parameters of the function, for example ``alpha`` of leaky ReLU.
        Subclasses accept named keywords and pass them on to this constructor
        so that they show in ``repr`` and are saved with a model.
    """

    #: Whether value and derivative act on each element separately.
    elementwise = True
    #: Points where the derivative is fixed by convention (for ReLU, 0).
    kinks = ()
    #: ``(low, high)`` bounds of the values f can take; a network warns when a
    #: loss needs predictions in a range that its output activation can leave.
    value_range = (float("-inf"), float("inf"))

    def value(self, z):
        """Return f(z).

        Parameters
        ----------
        z : ndarray of shape (n_samples, n_units)
            Pre-activations.

        Returns
        -------
        ndarray of shape (n_samples, n_units), the dtype of ``z``
        """
        raise NotImplementedError(f"{type(self).__name__} must implement value(z)")

    def derivative(self, z):
        """Return f'(z), elementwise.

        Parameters
        ----------
        z : ndarray of shape (n_samples, n_units)
            Pre-activations.

        Returns
        -------
        ndarray of shape (n_samples, n_units), the dtype of ``z``
        """
        raise NotImplementedError(
            f"{type(self).__name__} must implement derivative(z)"
        )

    def vjp(self, z, grad_output):
        """Return dLoss/dz given dLoss/da for a = f(z), the chain-rule step.

        For an elementwise activation this is ``grad_output * derivative(z)``.
        An activation with ``elementwise = False`` (such as softmax, whose
        output i depends on the whole row) overrides it with the product of
        ``grad_output`` and its Jacobian, row by row.

        Parameters
        ----------
        z : ndarray of shape (n_samples, n_units)
            Pre-activations.
        grad_output : ndarray of shape (n_samples, n_units)
            dLoss/da.

        Returns
        -------
        ndarray of shape (n_samples, n_units)
        """
        if not self.elementwise:
            raise NotImplementedError(
                f"{type(self).__name__} sets elementwise = False and must "
                "implement vjp(z, grad_output)"
            )
        return grad_output * self.derivative(z)


class Loss(_Registered):
    """A loss L(y_true, y_pred) with its gradient with respect to y_pred.

    Subclasses set ``name``, ``latex``, ``latex_derivative`` and
    ``reduction`` ("sum" or "mean" over all elements), and implement
    :meth:`value` and :meth:`gradient`.
    """

    reduction = "sum"
    #: Residuals r = y_pred - y_true where the gradient is fixed by convention
    #: (for mae, 0). The conformance kit skips finite differences there.
    kinks = ()
    #: Valid values as (low, high), for example (0, 1) for probabilities.
    #: y_true may equal a finite bound and y_pred lies strictly between them;
    #: the conformance kit draws its test points accordingly.
    y_true_domain = (float("-inf"), float("inf"))
    y_pred_domain = (float("-inf"), float("inf"))

    def value(self, y_true, y_pred):
        """Return the loss as a float.

        Parameters
        ----------
        y_true, y_pred : ndarray of shape (n_samples, n_outputs)
        """
        raise NotImplementedError(
            f"{type(self).__name__} must implement value(y_true, y_pred)"
        )

    def gradient(self, y_true, y_pred):
        """Return dLoss/dy_pred.

        Parameters
        ----------
        y_true, y_pred : ndarray of shape (n_samples, n_outputs)

        Returns
        -------
        ndarray of shape (n_samples, n_outputs), the dtype of ``y_pred``
        """
        raise NotImplementedError(
            f"{type(self).__name__} must implement gradient(y_true, y_pred)"
        )

