using Sprout.Kernels;

namespace Sprout;

// Batch normalization in training mode as one op over (N, C, S…), the loops in Kernels/BatchNormPlanes: per channel,
// x̂ = (x − μ)/√(σ² + ε) with the batch's mean and biased variance, y = γ·x̂ + β (or max(y, 0), a following ReLU
// fused in); backward in closed form.
public sealed partial class Tensor
{
    /// <summary>
    /// Normalizes with the batch's own statistics; returns y and the per-channel mean and biased variance. With
    /// <paramref name="relu"/>, y is max(γ·x̂ + β, 0): the ReLU that follows costs neither a pass nor a tensor of its own,
    /// forward or backward.
    /// </summary>
    internal static (Tensor Y, float[] Mean, float[] Variance) BatchNormTraining(Tensor x, Tensor gamma, Tensor beta, float epsilon, bool relu = false)
    {
        var layout = new BatchNormPlanes.Layout(x.Shape[0], x.Shape[1], x.Shape.Product(2, x.Rank));
        var y = Uninitialized(x.Shape);
        var (mean, variance, invStd) = (new float[layout.C], new float[layout.C], new float[layout.C]);
        BatchNormPlanes.Forward(layout, x.Storage!, x._offset, gamma.Storage!, gamma._offset, beta.Storage!, beta._offset, epsilon,
            y.Storage!, mean, variance, invStd, relu);
        if (Autograd.IsRecording && (x.RequiresGrad || gamma.RequiresGrad || beta.RequiresGrad))
            BatchNormBackward(y, x, gamma, beta, layout, mean, invStd, relu);
        return (y, mean, variance);
    }

    private static void BatchNormBackward(Tensor y, Tensor x, Tensor gamma, Tensor beta, BatchNormPlanes.Layout layout, float[] mean, float[] invStd,
        bool relu)
    {
        float[]? dGamma = null, dBeta = null;
        Tensor? dx = null;
        void Compute(Tensor g)   // the first rule to run computes all three, dx only when x wants it
        {
            if (dGamma is not null) return;
            (dGamma, dBeta) = (new float[layout.C], new float[layout.C]);
            dx = x.RequiresGrad ? Uninitialized(x.Shape) : null;
            BatchNormPlanes.Backward(layout, g.Storage!, g._offset, x.Storage!, x._offset, gamma.Storage!, gamma._offset, mean, invStd,
                dGamma, dBeta, dx?.Storage, relu ? beta.Storage : null, beta._offset);
        }
        Tensor DInput(Tensor g) { Compute(g); return dx!; }
        Tensor DGamma(Tensor g) { Compute(g); return FromArray(dGamma!, layout.C); }
        Tensor DBeta(Tensor g) { Compute(g); return FromArray(dBeta!, layout.C); }
        y.Record(relu ? "BatchNormRelu" : "BatchNorm", [x, gamma, beta], [DInput, DGamma, DBeta]);
    }
}
