import { createRoot } from 'react-dom/client';
import { App } from './app';
// Stylesheets are global (esbuild does not load a lazy chunk's CSS): React Flow's, then the console's own.
import '@xyflow/react/dist/style.css';
import './styles.css';

createRoot(document.getElementById('root')!).render(<App />);
