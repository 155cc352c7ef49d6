type Props = { title: string; description: string };

export function ComingSoon({ title, description }: Props) {
  return (
    <section className="screen" aria-labelledby="screen-title">
      <header className="screen-header">
        <h1 id="screen-title">{title}</h1>
      </header>
      <div className="card coming-soon" data-testid="coming-soon">
        <span className="badge badge-neutral">Coming soon</span>
        <p>{description}</p>
      </div>
    </section>
  );
}
