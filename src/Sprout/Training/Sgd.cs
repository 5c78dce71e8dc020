using System.Numerics.Tensors;

namespace Sprout.Training;

/// <summary>
/// Stochastic gradient descent with optional momentum (heavy-ball or Nesterov) and L2 weight decay, as PyTorch
/// defines them: g ← ∇ + λw; v ← μv + g; step = Nesterov ? g + μv : v; w ← w − η·step.
/// </summary>
public sealed class Sgd : Optimizer
{
    public Sgd(float learningRate, float momentum = 0f, bool nesterov = false, float weightDecay = 0f) : base(learningRate, weightDecay)
    {
        if (!(momentum >= 0 && momentum < 1)) throw new ArgumentOutOfRangeException(nameof(momentum), momentum, "Expected momentum in [0, 1).");
        if (nesterov && momentum == 0) throw new ArgumentException("Nesterov momentum needs momentum > 0.", nameof(nesterov));
        Momentum = momentum;
        Nesterov = nesterov;
    }

    public float Momentum { get; }
    public bool Nesterov { get; }

    protected override float[][] CreateState(int length) => Momentum > 0 ? [new float[length]] : [];

    protected override void Update(Span<float> weight, Span<float> grad, float[][] state)
    {
        if (WeightDecay > 0) TensorPrimitives.MultiplyAdd(weight, WeightDecay, grad, grad);
        if (Momentum > 0)
        {
            var v = state[0].AsSpan();
            TensorPrimitives.MultiplyAdd(v, Momentum, grad, v);
            if (Nesterov) TensorPrimitives.MultiplyAdd(v, Momentum, grad, grad);
            else v.CopyTo(grad);
        }
        TensorPrimitives.MultiplyAdd(grad, -LearningRate, weight, weight);
    }
}
