using Sprout.Data;
using Sprout.Init;
using Sprout.Nn;
using Sprout.Training;

namespace Sprout.Bench;

/// <summary>
/// Training throughput of the book's MLP (batch 256, one epoch of Fashion-MNIST) and the latency of one training step
/// of a 20→256→10 MLP at batch 2 and 64, each a median of several runs.
/// </summary>
internal static class TrainingRunner
{
    public static int Run(string[] args)
    {
        int runs = args.Length > 0 ? int.Parse(args[0]) : 5;
        var data = FashionMnist.Load(Split.Train);
        Console.WriteLine($"Threads: {Threads.Count}; data: {data.Source} ({data.Count:N0} images); medians of {runs} runs");

        var net = Models.Mlp();
        net.Initialize(new Normal(0.01f));
        var trainer = new Trainer(net.CollectParams(), new Sgd(0.1f));
        var loader = new DataLoader(data.Images, data.Labels, 256, shuffle: true, seed: 1);
        var loss = new SoftmaxCrossEntropyLoss();
        Epoch(net, trainer, loader, loss);   // warm-up
        double epoch = Timing.MedianSeconds(runs, () => Epoch(net, trainer, loader, loss));
        Console.WriteLine($"MLP 784-256-10, batch 256, one epoch: {epoch:F3} s, {data.Count / epoch:N0} samples/s");

        foreach (int batch in new[] { 2, 64 })
        {
            var small = new Sequential { new Dense(256, Activation.Relu), new Dense(10) };
            small.Initialize(new Normal(0.01f));
            var t = new Trainer(small.CollectParams(), new Sgd(0.1f));
            var x = Tensor.RandomUniform(batch, 20);
            var y = Tensor.FromArray([.. Enumerable.Range(0, batch).Select(i => (float)(i % 10))], batch);
            const int Steps = 2000;
            for (int i = 0; i < 200; i++) Step(small, t, loss, x, y);
            double seconds = Timing.MedianSeconds(runs, () => { for (int i = 0; i < Steps; i++) Step(small, t, loss, x, y); });
            Console.WriteLine($"MLP 20-256-10, batch {batch,2}, one training step: {seconds / Steps * 1e6:F1} µs");
        }
        return 0;
    }

    internal static void Epoch(Block net, Trainer trainer, DataLoader loader, Loss loss)
    {
        foreach (var batch in loader) Step(net, trainer, loss, batch.Data, batch.Labels);
    }

    private static void Step(Block net, Trainer trainer, Loss loss, Tensor x, Tensor y)
    {
        Tensor total;
        using (Autograd.Record()) total = loss.Forward(net.Forward(x), y).Sum();
        total.Backward();
        trainer.Step(x.Shape[0]);
    }
}
