namespace Sprout;

// Softmax and log-softmax over an axis, made stable by subtracting the maximum first (softmax is invariant to
// that shift, so the maximum needs no gradient). Composed from differentiable ops, so backward comes with them.
public sealed partial class Tensor
{
    /// <summary>exp(x − max) / Σ exp(x − max) along <paramref name="axis"/>.</summary>
    public Tensor Softmax(int axis = -1)
    {
        var e = ShiftedByMax(axis).Exp();
        return e / e.Sum(axis, keepDims: true);
    }

    /// <summary>(x − max) − log Σ exp(x − max) along <paramref name="axis"/>: finite even for inputs of ±1000.</summary>
    public Tensor LogSoftmax(int axis = -1)
    {
        var shifted = ShiftedByMax(axis);
        return shifted - shifted.Exp().Sum(axis, keepDims: true).Log();
    }

    private Tensor ShiftedByMax(int axis)
    {
        Shape.NormalizeAxis(axis);
        return this - Max(axis, keepDims: true).Detach();
    }
}
