using Sprout.Data;
using Sprout.Init;
using Sprout.Nn;
using Sprout.Training;

namespace Sprout.Bench.Peers;

/// <summary>The workloads written in Sprout, as a user would write them (the networks of <c>Sprout.Bench.Models</c>).</summary>
internal static class SproutSide
{
    public const ulong ShuffleSeed = 1;

    /// <summary>One training epoch per call over <paramref name="data"/> in batches of 256, the order shuffled per epoch.</summary>
    public static Func<int> Epoch(Dataset data, Sequential net, Initializer init, Optimizer optimizer)
    {
        net.Initialize(init);
        var trainer = new Trainer(net.CollectParams(), optimizer);
        var loader = new DataLoader(data.Images, data.Labels, 256, shuffle: true, seed: ShuffleSeed);
        var loss = new SoftmaxCrossEntropyLoss();
        return () =>
        {
            foreach (var batch in loader) Step(net, trainer, loss, batch.Data, batch.Labels);
            return data.Count;
        };
    }

    /// <summary><paramref name="steps"/> training steps of a 20→256→10 MLP on one fixed batch per call.</summary>
    public static Func<int> Steps(int batch, int steps)
    {
        var net = new Sequential { new Dense(256, Activation.Relu), new Dense(10) };
        net.Initialize(new Normal(0.01f));
        var trainer = new Trainer(net.CollectParams(), new Sgd(0.1f));
        var loss = new SoftmaxCrossEntropyLoss();
        var (x, y) = LatencyBatch(batch);
        var input = Tensor.FromArray(x, batch, 20);
        var labels = Tensor.FromArray([.. y.Select(v => (float)v)], batch);
        return () =>
        {
            for (int i = 0; i < steps; i++) Step(net, trainer, loss, input, labels);
            return steps;
        };
    }

    /// <summary><paramref name="steps"/> training steps of the book's ResNet-18 (no input sizes) on one fixed batch of 96×96 images per call.</summary>
    public static Func<int> ResNetSteps(int batch, int steps)
    {
        var net = Sprout.Models.ModernCnns.ResNet18();
        net.Initialize(new Kaiming());
        return ImageSteps(net, new Sgd(0.05f, momentum: 0.9f), batch, steps);
    }

    /// <summary><paramref name="steps"/> training steps of the book's ViT (96×96, patch 16, width 512, MLP 2048, 8 heads, 2 blocks; no dropout) on one fixed batch per call.</summary>
    public static Func<int> VitSteps(int batch, int steps)
    {
        var net = new Sprout.Models.VisionTransformer(10, new Size2(16, 16), hidden: 512, mlpHidden: 2048, heads: 8, blocks: 2, embeddingDropout: 0f, blockDropout: 0f);
        net.Initialize(new Xavier());
        return ImageSteps(net, new Sgd(0.1f), batch, steps);
    }

    /// <summary>Training steps of an image classifier by softmax cross-entropy on one fixed batch of 96×96 images per call.</summary>
    private static Func<int> ImageSteps(Block net, Optimizer optimizer, int batch, int steps)
    {
        var trainer = new Trainer(net.CollectParams(), optimizer);
        var loss = new SoftmaxCrossEntropyLoss();
        var (x, y) = ImageBatch(batch, 96);
        var input = Tensor.FromArray(x, batch, 1, 96, 96);
        var labels = Tensor.FromArray([.. y.Select(v => (float)v)], batch);
        return () =>
        {
            for (int i = 0; i < steps; i++) Step(net, trainer, loss, input, labels);
            return steps * batch;
        };
    }

    /// <summary><paramref name="steps"/> training steps of a Transformer encoder block (width inferred: 256; 8 heads, FFN 1024) on a fixed (N, T, 256) batch per call.</summary>
    public static Func<int> TransformerSteps(int batch, int length, int steps)
    {
        var block = new TransformerEncoderBlock(heads: 8, ffnHidden: 1024);
        var x = Tensor.FromArray(SequenceBatch(batch, length, 256), batch, length, 256);
        return SequenceSteps(block, x => block.Forward(x, null), x, batch, steps);
    }

    /// <summary>
    /// <paramref name="steps"/> training steps of a decoder of two stride-2 transposed convolutions (4×4, padding 1;
    /// 64 → 32 → 1 channels, input channels inferred) from a fixed (N, 64, 14, 14) batch to (N, 1, 56, 56).
    /// </summary>
    public static Func<int> DecoderSteps(int batch, int steps)
    {
        var net = new Sequential { new Conv2DTranspose(32, 4, strides: 2, padding: 1, activation: Activation.Relu), new Conv2DTranspose(1, 4, strides: 2, padding: 1) };
        var x = Tensor.FromArray(SequenceBatch(batch, 64, 14 * 14), batch, 64, 14, 14);
        return SequenceSteps(net, net.Forward, x, batch, steps);
    }

    /// <summary><paramref name="steps"/> training steps of a <paramref name="hidden"/>-unit GRU (input size inferred) on a fixed (T, N, features) batch per call.</summary>
    public static Func<int> GruSteps(float[] sequence, int batch, int length, int hidden, int steps)
    {
        var gru = new Gru(hidden);
        return SequenceSteps(gru, x => gru.Forward(x, null).Output, Sequence(sequence, batch, length), batch, steps);
    }

    /// <summary><paramref name="steps"/> training steps of a <paramref name="hidden"/>-unit LSTM (input size inferred) on a fixed (T, N, features) batch per call.</summary>
    public static Func<int> LstmSteps(float[] sequence, int batch, int length, int hidden, int steps)
    {
        var lstm = new Lstm(hidden);
        return SequenceSteps(lstm, x => lstm.Forward(x).Output, Sequence(sequence, batch, length), batch, steps);
    }

    private static Tensor Sequence(float[] x, int batch, int length) => Tensor.FromArray(x, length, batch, x.Length / (length * batch));

    /// <summary>
    /// Training steps of <paramref name="model"/> by SGD on mean(y²) of <paramref name="forward"/>(<paramref name="x"/>),
    /// as the TorchSharp side does; the step's own temporaries are released as that side's dispose scope frees its own.
    /// </summary>
    private static Func<int> SequenceSteps(Block model, Func<Tensor, Tensor> forward, Tensor x, int batch, int steps)
    {
        model.Initialize(new Xavier());
        var trainer = new Trainer(model.CollectParams(), new Sgd(0.01f));
        return () =>
        {
            for (int i = 0; i < steps; i++)
            {
                Tensor y, square;
                using (Autograd.Record())
                {
                    y = forward(x);
                    square = y * y;
                    square.Mean().Backward();
                }
                trainer.Step(1);
                square.Release();   // as the TorchSharp side's dispose scope frees its temporaries each step
                y.Release();
            }
            return steps * batch;
        };
    }

    /// <summary>A fixed random sequence batch, shared by both libraries.</summary>
    public static float[] SequenceBatch(int batch, int length, int width)
    {
        var x = new float[batch * length * width];
        Rng.Stream(7, "sequence batch").FillUniform(x, -1f, 1f);
        return x;
    }

    /// <summary>A fixed (T, N, vocabulary) batch of one-hot symbols, as a character model reads its text.</summary>
    public static float[] OneHotBatch(int batch, int length, int vocabulary)
    {
        var x = new float[batch * length * vocabulary];
        var ids = new float[batch * length];
        Rng.Stream(7, "one-hot batch").FillUniform(ids, 0f, vocabulary);
        for (int i = 0; i < ids.Length; i++) x[i * vocabulary + Math.Min((int)ids[i], vocabulary - 1)] = 1f;
        return x;
    }

    /// <summary>A fixed batch of random images and labels, shared by both libraries.</summary>
    public static (float[] X, long[] Y) ImageBatch(int batch, int side)
    {
        var x = new float[batch * side * side];
        Rng.Stream(7, "image batch").FillUniform(x);
        return (x, [.. Enumerable.Range(0, batch).Select(i => (long)(i % 10))]);
    }

    /// <summary>The fixed inputs of the latency workload, shared by both libraries.</summary>
    public static (float[] X, long[] Y) LatencyBatch(int batch)
    {
        var x = new float[batch * 20];
        Rng.Stream(7, "latency batch").FillUniform(x);
        return (x, [.. Enumerable.Range(0, batch).Select(i => (long)(i % 10))]);
    }

    /// <summary>The sample order of epoch <paramref name="epoch"/> (1-based), exactly as Sprout's DataLoader draws it.</summary>
    public static int[] EpochOrder(int count, int epoch)
    {
        var order = Enumerable.Range(0, count).ToArray();
        Rng.Stream(ShuffleSeed, $"DataLoader epoch {epoch}").Shuffle(order.AsSpan());
        return order;
    }

    private static void Step(Block net, Trainer trainer, Loss loss, Tensor x, Tensor y)
    {
        Tensor total;
        using (Autograd.Record()) total = loss.Forward(net.Forward(x), y).Sum();
        total.Backward();
        trainer.Step(x.Shape[0]);
    }
}
