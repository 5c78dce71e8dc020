using System.Numerics.Tensors;
using Sprout.Kernels;
using Sprout.Nn;

namespace Sprout.Training;

/// <summary>
/// Stochastic gradient descent with optional momentum (heavy-ball or Nesterov) and L2 weight decay, as PyTorch
/// defines them: g ← ∇ + λw; v ← μv + g; step = Nesterov ? g + μv : v; w ← w − η·step.
/// </summary>
public sealed class Sgd : Optimizer
{
    /// <summary>SGD with the given learning rate, momentum, Nesterov flag and weight decay.</summary>
    public Sgd(float learningRate, float momentum = 0f, bool nesterov = false, float weightDecay = 0f) : base(learningRate, weightDecay)
    {
        if (!(momentum >= 0 && momentum < 1)) throw new ArgumentOutOfRangeException(nameof(momentum), momentum, "Expected momentum in [0, 1).");
        if (nesterov && momentum == 0) throw new ArgumentException("Nesterov momentum needs momentum > 0.", nameof(nesterov));
        Momentum = momentum;
        Nesterov = nesterov;
    }

    /// <summary>μ in v ← μv + g (0: plain SGD).</summary>
    public float Momentum { get; }
    /// <summary>Whether the step looks ahead along the momentum.</summary>
    public bool Nesterov { get; }

    /// <inheritdoc/>
    protected internal override IReadOnlyList<string> StateNames => Momentum > 0 ? ["momentum_buffer"] : [];

    /// <inheritdoc/>
    protected override float[][] CreateState(int length) => Momentum > 0 ? [new float[length]] : [];

    /// <inheritdoc/>
    protected override void Update(Span<float> weight, Span<float> grad, float[][] state)
    {
        if (ParameterWeightDecay > 0) TensorPrimitives.MultiplyAdd(weight, ParameterWeightDecay, grad, grad);
        if (Momentum > 0)
        {
            var v = state[0].AsSpan();
            TensorPrimitives.MultiplyAdd(v, Momentum, grad, v);
            if (Nesterov) TensorPrimitives.MultiplyAdd(v, Momentum, grad, grad);
            else v.CopyTo(grad);
        }
        TensorPrimitives.MultiplyAdd(grad, -ParameterLearningRate, weight, weight);
    }

    /// <summary>
    /// Plain and heavy-ball SGD (no weight decay, no Nesterov) read the gradient once, scaling it on the way (heavy-ball in
    /// one pass over weight, gradient and velocity: <see cref="HeavyBall"/>), and split a large parameter into ranges over
    /// the threads; the other variants take the general path.
    /// </summary>
    private protected override bool TryUpdateInPlace(Parameter p, Tensor weight, Tensor grad, float gradScale)
    {
        if (ParameterWeightDecay > 0 || Nesterov) return false;
        float[]? velocity = Momentum > 0 ? StateOf(p, weight.Length)[0] : null;
        float step = -ParameterLearningRate, momentum = Momentum;
        WorkerPool.ForRanges(weight.Length, weight.Length, (start, end) =>
        {
            var w = weight.AsSpan()[start..end];
            var g = grad.Span[start..end];
            if (velocity is null)
            {
                TensorPrimitives.MultiplyAdd(g, step * gradScale, w, w);
                return;
            }
            HeavyBall.Step(w, g, velocity.AsSpan(start, end - start), gradScale, momentum, step);
        });
        return true;
    }
}
